public import HookdCore
import PostgresNIO

extension PostgresStore: DeliveryQueue {
    /// The channel on which new due work is announced to every listening dispatcher: by the statement that
    /// publishes, requeues or gives an app a URL again, delivered when it commits. A lost notification only delays
    /// delivery until the next idle poll.
    static let publishChannel = "hookd_deliveries"

    public func publish(
        _ event: NewEvent,
        attemptsAllowed: Int,
        now: UnixMillis,
        lease: (id: String, until: UnixMillis)?
    ) async throws -> (deliveryID: String, created: Bool) {
        try await insert([event], attemptsAllowed: attemptsAllowed, now: now, lease: lease)[0]
    }

    public func publishAll(
        _ events: [NewEvent],
        attemptsAllowed: Int,
        now: UnixMillis
    ) async throws -> [PublishOutcome] {
        try await insert(events, attemptsAllowed: attemptsAllowed, now: now, lease: nil)
    }

    /// One statement for the whole batch, as for ``completeAttempts(_:)``: events are unnested on the server in
    /// `(app, eventId)` order, so two batches holding the same events cannot wait on each other in a cycle, and
    /// the batch's notifications go out once, at commit.
    ///
    /// Each new event fans out to one delivery per endpoint that takes it (SPEC §11): the one it names (a test
    /// delivery), or every active v3.20 endpoint subscribed to it and (for the events of the v3 catalogue) the
    /// app's v3 URL when it has one or the app has no v3.20 endpoint at all (so an app that has set nothing yet
    /// keeps its events until it does, as v3 promises). An event that exists already changes nothing.
    /// - Returns: for each event, its first delivery's id ("" when no endpoint takes it) and whether it was new.
    private func insert(
        _ events: [NewEvent],
        attemptsAllowed: Int,
        now: UnixMillis,
        lease: (id: String, until: UnixMillis)?
    ) async throws -> [PublishOutcome] {
        // An event given twice in one batch is written once; its later copies get the first one's delivery.
        var firstIndex: [String: Int] = [:]
        var unique: [NewEvent] = []
        for (index, event) in events.enumerated() where firstIndex[event.appID + "|" + event.eventID] == nil {
            firstIndex[event.appID + "|" + event.eventID] = index
            unique.append(event)
        }
        let written = try await rows(Self.insertQuery(unique, attemptsAllowed: attemptsAllowed, now: now, lease: lease))
        var outcomes: [String: PublishOutcome] = [:]
        for row in written {
            let (appID, eventID, deliveryID) = try row.decode((String, String, String).self)
            outcomes[appID + "|" + eventID] = (deliveryID, true)
        }
        let missing = unique.filter { outcomes[$0.appID + "|" + $0.eventID] == nil }
        if !missing.isEmpty {
            // Events published before (perhaps committed by a concurrent call this statement waited for): their
            // first deliveries.
            let existing = try await rows(
                """
                SELECT min(d.id), m.app_id, m.event_id
                FROM unnest(\(missing.map(\.appID))::text[], \(missing.map(\.eventID))::text[]) AS m(app_id, event_id)
                JOIN deliveries d ON d.app_id = m.app_id AND d.event_id = m.event_id
                GROUP BY m.app_id, m.event_id
                """
            )
            for row in existing {
                let (id, appID, eventID) = try row.decode((String, String, String).self)
                outcomes[appID + "|" + eventID] = (id, false)
            }
        }
        return events.enumerated().map { index, event in
            let key = event.appID + "|" + event.eventID
            guard let outcome = outcomes[key] else { return ("", false) }
            return firstIndex[key] == index ? outcome : (outcome.deliveryID, false)
        }
    }

    /// The statement that writes new events (each at most once in `unique`) and fans them out; it answers each new
    /// event's app, id and first delivery.
    static func insertQuery(
        _ unique: [NewEvent],
        attemptsAllowed: Int,
        now: UnixMillis,
        lease: (id: String, until: UnixMillis)?
    ) -> PostgresQuery {
        // Arrays cannot hold NULL through postgres-nio's encoders: no target is "".
        """
        WITH input AS (
            SELECT * FROM unnest(
                \(unique.map(\.appID))::text[], \(unique.map(\.eventID))::text[], \(unique.map(\.event))::text[],
                \(unique.map { ByteBuffer(bytes: $0.data) })::bytea[], \(unique.map(\.isTest))::boolean[],
                \(unique.map { $0.endpointID ?? "" })::text[],
                \(unique.map { Identifiers.v3WebhookID(appID: $0.appID) })::text[]
            ) AS i(app_id, event_id, event, data, is_test, target, v3_endpoint)
        ), event AS (
            INSERT INTO events (app_id, event_id, event, data, created_at)
            SELECT app_id, event_id, event, data, \(now) FROM input ORDER BY app_id, event_id
            ON CONFLICT (app_id, event_id) DO NOTHING
            RETURNING app_id, event_id, event
        ), fresh AS (
            SELECT e.app_id, e.event_id, e.event, i.is_test, i.target, i.v3_endpoint
            FROM event e JOIN input i ON i.app_id = e.app_id AND i.event_id = e.event_id
        ), target AS (
            SELECT f.*, f.target AS endpoint_id FROM fresh f WHERE f.target <> ''
            UNION ALL
            SELECT f.*, w.id FROM fresh f
            JOIN webhook_endpoints w ON w.app_id = f.app_id AND w.format = 'V3_20' AND w.status = 'ACTIVE'
             AND w.deleted_at IS NULL AND w.url IS NOT NULL AND f.event = ANY(w.events)
            WHERE f.target = ''
            UNION ALL
            SELECT f.*, f.v3_endpoint FROM fresh f
            WHERE f.target = '' AND f.event <> \(EventCatalogue.endpointDisabledEvent.name)
              AND (EXISTS (SELECT 1 FROM webhook_endpoints v WHERE v.id = f.v3_endpoint AND v.url IS NOT NULL)
                   OR NOT EXISTS (SELECT 1 FROM webhook_endpoints n
                                  WHERE n.app_id = f.app_id AND n.format = 'V3_20' AND n.deleted_at IS NULL))
        ), delivery AS (
            INSERT INTO deliveries
                (id, app_id, endpoint_id, event_id, event, status, attempts, attempts_allowed, next_attempt_at,
                 locked_until, lease_id, is_test, created_at)
            SELECT 'dlv_' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 24), t.app_id, t.endpoint_id,
                   t.event_id, t.event, \(DeliveryStatus.pending.rawValue), 0, \(attemptsAllowed), \(now),
                   \(lease?.until)::bigint, \(lease?.id)::text, t.is_test, \(now)
            FROM target t
            ORDER BY t.app_id, t.event_id, t.endpoint_id
            RETURNING id, app_id, endpoint_id, event_id, lease_id
        ), woken AS (
            INSERT INTO queue_wakeups (app_id, endpoint_id, due_at)
            SELECT DISTINCT app_id, endpoint_id, \(now) FROM delivery WHERE lease_id IS NULL
        )
        SELECT e.app_id, e.event_id,
               COALESCE((SELECT min(d.id) FROM delivery d WHERE d.app_id = e.app_id AND d.event_id = e.event_id),
                        '') AS delivery_id,
               pg_notify(\(Self.publishChannel), '') AS announced
        FROM event e
        """
    }

    public func claimDueDeliveries(
        limit: Int,
        perAppLimit: Int,
        now: UnixMillis,
        leaseUntil: UnixMillis
    ) async throws -> [ClaimedDelivery] {
        let leaseID = Identifiers.leaseID()
        // The fair queue has one row per endpoint (SPEC §11: one endpoint's failure never delays another's, within
        // an app as between apps), and `perAppLimit` bounds each endpoint's leases.
        //
        // A claim never reads leased rows to count them: each endpoint's queue row carries its count of leases
        // (`leased`, kept by triggers on `deliveries` in the transaction that leases or releases). The only walk over
        // leased rows is for leases that ran out, oldest first with a LIMIT (`deliveries_lease_expiry`).
        //
        // Two statements in one READ COMMITTED transaction: fold what is new into the queues; then lock the
        // endpoints to serve, lease each one's due deliveries up to its room and settle its queue. Locking a queue
        // row reads its newest version (a release committed after the statement's snapshot has counted itself
        // there, and every later release waits for the lock), so the room is exact; a delivery leased meanwhile is
        // skipped or re-checked by the lease's own `lease_id IS NULL`. A claimer holding an endpoint's queue row is
        // skipped by the others, so no two claimers take from one endpoint at once.
        return try await withTransaction { [logger] connection in
            try await connection.query(
                """
                WITH expired AS (
                    UPDATE deliveries SET locked_until = NULL, lease_id = NULL
                    WHERE id IN (
                        SELECT id FROM deliveries WHERE lease_id IS NOT NULL AND locked_until <= \(now)
                        ORDER BY locked_until LIMIT 1000 FOR UPDATE SKIP LOCKED)
                      AND lease_id IS NOT NULL AND locked_until <= \(now)
                    RETURNING endpoint_id, app_id, next_attempt_at
                ), woken AS (
                    DELETE FROM queue_wakeups WHERE seq IN (
                        SELECT seq FROM queue_wakeups ORDER BY seq LIMIT 10000 FOR UPDATE SKIP LOCKED)
                    RETURNING endpoint_id, app_id, due_at
                ), due AS (
                    SELECT endpoint_id, app_id, min(due_at) AS due_at
                    FROM (SELECT endpoint_id, app_id, due_at FROM woken
                          UNION ALL SELECT endpoint_id, app_id, next_attempt_at FROM expired) AS u
                    GROUP BY endpoint_id, app_id
                )
                INSERT INTO delivery_queues AS q (endpoint_id, app_id, ready_at)
                SELECT endpoint_id, app_id, due_at FROM due ORDER BY endpoint_id
                ON CONFLICT (endpoint_id) DO UPDATE
                    SET ready_at = LEAST(COALESCE(q.ready_at, excluded.ready_at), excluded.ready_at)
                """,
                logger: logger
            ).consume()
            // Each endpoint's due deliveries, oldest first, as many as it has room for; then the first of every
            // endpoint, the second of every endpoint, … (`rank`, then the endpoint's turn) up to the limit.
            return try await connection.query(
                """
                WITH locked AS (
                    SELECT q.endpoint_id, q.served_at, q.leased, q.rate_tat, w.rate_limit FROM delivery_queues q
                    JOIN webhook_endpoints w ON w.id = q.endpoint_id AND \(unescaped: Self.sendable)
                    WHERE q.ready_at <= \(now) AND q.leased < \(perAppLimit)
                      AND \(unescaped: Self.withinRateLimit(now: now))
                    ORDER BY q.served_at, q.endpoint_id
                    LIMIT \(limit)
                    FOR UPDATE OF q SKIP LOCKED
                ), queue AS (
                    SELECT endpoint_id, row_number() OVER (ORDER BY served_at, endpoint_id) AS turn,
                           LEAST(\(perAppLimit) - leased,
                                 CASE WHEN rate_limit IS NULL THEN \(perAppLimit)
                                 ELSE floor((\(now) + 1000 - 1000.0 / rate_limit - GREATEST(rate_tat, \(now)))
                                            / (1000.0 / rate_limit))::integer + 1 END) AS room
                    FROM locked
                ), picked AS (
                    SELECT p.id, row_number() OVER (PARTITION BY queue.endpoint_id ORDER BY p.next_attempt_at) AS rank,
                           queue.turn
                    FROM queue CROSS JOIN LATERAL (
                        SELECT d.id, d.next_attempt_at FROM deliveries d
                        WHERE d.endpoint_id = queue.endpoint_id AND d.status = \(DeliveryStatus.pending.rawValue)
                          AND d.lease_id IS NULL AND d.next_attempt_at <= \(now)
                        ORDER BY d.next_attempt_at
                        LIMIT GREATEST(queue.room, 0)
                        FOR UPDATE OF d SKIP LOCKED
                    ) AS p
                ), chosen AS (
                    SELECT id FROM picked ORDER BY rank, turn LIMIT \(limit)
                ), claimed AS (
                    UPDATE deliveries AS d SET locked_until = \(leaseUntil), lease_id = \(leaseID)
                    FROM chosen, events e, webhook_endpoints w, apps a
                    WHERE d.id = chosen.id AND d.lease_id IS NULL
                      AND e.app_id = d.app_id AND e.event_id = d.event_id AND w.id = d.endpoint_id AND a.id = d.app_id
                    RETURNING \(unescaped: Self.claimColumns), d.next_attempt_at
                ), settled AS (
                    UPDATE delivery_queues AS q
                    SET ready_at = (SELECT min(r.next_attempt_at) FROM deliveries r
                                    WHERE r.endpoint_id = q.endpoint_id AND r.status = \(DeliveryStatus.pending.rawValue)
                                      AND r.lease_id IS NULL AND r.id NOT IN (SELECT id FROM chosen)),
                        served_at = CASE WHEN q.endpoint_id IN (SELECT endpoint_id FROM claimed) THEN \(now)
                                    ELSE q.served_at END,
                        rate_tat = CASE WHEN l.rate_limit IS NULL THEN q.rate_tat
                                   ELSE ceil(GREATEST(q.rate_tat, \(now))
                                             + (SELECT count(*) FROM claimed c WHERE c.endpoint_id = q.endpoint_id)
                                               * 1000.0 / l.rate_limit)::bigint END
                    FROM locked l
                    WHERE q.endpoint_id = l.endpoint_id
                )
                SELECT * FROM claimed ORDER BY next_attempt_at, id
                """,
                logger: logger
            ).collect().map(Self.claim(from:))
        }
    }

    /// Whether the endpoint of queue row `q` and endpoint `w` may send at `now` under its `rateLimit` (GCRA: each
    /// delivery moves `q.rate_tat` on by 1/rate s, and a burst of up to `rate` deliveries in a second is allowed),
    /// the state shared by every node through the queue row. A condition built from a number, never data.
    static func withinRateLimit(now: UnixMillis) -> String {
        "(w.rate_limit IS NULL OR q.rate_tat <= \(now.rawValue) + 1000 - 1000.0 / w.rate_limit)"
    }

    /// When the queue row `q` of endpoint `w` may next be served: when it is due, or later when its rate limit says.
    static let servableAt = """
        CASE WHEN w.rate_limit IS NULL THEN q.ready_at
        ELSE GREATEST(q.ready_at, ceil(q.rate_tat - 1000 + 1000.0 / w.rate_limit)::bigint) END
        """

    /// An endpoint deliveries can go to: active, not deleted, with a URL and a secret (the join condition on
    /// `webhook_endpoints w`). A constant, never data.
    static let sendable = """
        w.url IS NOT NULL AND w.sealed_secret IS NOT NULL AND w.status = 'ACTIVE' AND w.deleted_at IS NULL
        """

    /// What a claim returns, from `deliveries d`, `events e`, `webhook_endpoints w` and `apps a`. A constant list
    /// of column names, never data.
    static let claimColumns = """
        d.id, d.app_id, d.endpoint_id, d.event_id, d.event, d.attempts, d.attempts_allowed, d.lease_id, e.data, \
        w.url, w.sealed_secret, w.secret_version, w.format, w.headers, w.previous_sealed_secret, \
        w.previous_secret_until, a.business_id, a.environment
        """

    public func claimedDelivery(id: String, leaseID: String) async throws -> ClaimedDelivery? {
        try await rows(
            """
            SELECT \(unescaped: Self.claimColumns)
            FROM deliveries d
            JOIN events e ON e.app_id = d.app_id AND e.event_id = d.event_id
            JOIN webhook_endpoints w ON w.id = d.endpoint_id
            JOIN apps a ON a.id = d.app_id
            WHERE d.id = \(id) AND d.lease_id = \(leaseID) AND \(unescaped: Self.sendable)
            """
        ).first.map(Self.claim(from:))
    }

    private static func claim(from row: PostgresRow) throws -> ClaimedDelivery {
        let row = row.makeRandomAccess()
        guard let format = Endpoint.Format(rawValue: try row.decode("format")),
            let environment = AppEnvironment(rawValue: try row.decode("environment")),
            let headers = try? EndpointHeaders(storedJSON: try row.decode("headers"))
        else { throw StoreError.corruptRow(table: "webhook_endpoints") }
        return ClaimedDelivery(
            id: try row.decode("id"),
            appID: try row.decode("app_id"),
            eventID: try row.decode("event_id"),
            event: try row.decode("event"),
            data: try row.bytes("data"),
            attempts: try row.decode("attempts"),
            attemptsAllowed: try row.decode("attempts_allowed"),
            url: try row.decode("url"),
            sealedSecret: try row.bytes("sealed_secret"),
            secretVersion: try row.decode("secret_version"),
            leaseID: try row.decode("lease_id"),
            endpointID: try row.decode("endpoint_id"),
            format: format,
            headers: headers,
            previousSealedSecret: try row.optionalBytes("previous_sealed_secret"),
            previousSecretUntil: try row.decode("previous_secret_until"),
            businessID: try row.decode("business_id"),
            environment: environment
        )
    }

    @discardableResult
    public func completeAttempt(_ completion: AttemptCompletion) async throws -> Bool {
        try await completeAttempts([completion])[0]
    }

    /// One statement for the whole batch: the completions travel as arrays and are unnested on the server, so a
    /// batch costs one round trip and one commit (one WAL flush). An attempt is recorded only while its lease holds;
    /// in the same statement its endpoint's health is counted, and a v3.20 endpoint that answered 410, or whose
    /// attempts have all failed since before the completion's limit, is disabled. Only when one was, a second
    /// statement in the same transaction tells the app (`webhook.endpoint.disabled`, SPEC §11).
    ///
    /// Endpoint rows are locked in id order before the queue rows the lease triggers update, so batches from
    /// several nodes cannot wait on each other in a cycle, and the statement holds the queue row only until commit.
    public func completeAttempts(_ completions: [AttemptCompletion]) async throws -> [Bool] {
        try await withTransaction { [logger] connection in
            // Arrays cannot hold NULL through postgres-nio's encoders, so absent values travel as -1 or "".
            let rows = try await connection.query(
                """
                WITH input AS (
                    SELECT * FROM unnest(
                        \(completions.map(\.deliveryID))::text[], \(completions.map(\.leaseID))::text[],
                        \(completions.map(\.status.rawValue))::text[],
                        \(completions.map { Int64($0.attempt.number) })::bigint[],
                        \(completions.map { $0.nextAttemptAt?.rawValue ?? -1 })::bigint[],
                        \(completions.map(\.attempt.startedAt))::bigint[],
                        \(completions.map(\.attempt.latencyMillis))::bigint[],
                        \(completions.map { Int64($0.attempt.httpStatus ?? -1) })::bigint[],
                        \(completions.map { $0.attempt.error ?? "" })::text[],
                        \(completions.map { ByteBuffer(bytes: $0.attempt.responseBody) })::bytea[],
                        \(completions.map(\.secretVersion))::bigint[],
                        \(completions.map(\.allowsAnotherAttempt))::boolean[],
                        \(completions.map { $0.endpointFailingLimit?.rawValue ?? -1 })::bigint[],
                        \(completions.map { SentHeader.lines($0.attempt.requestHeaders) })::text[]
                    ) AS i(delivery_id, lease_id, status, number, next_attempt_at, started_at, latency_ms, http_status,
                           error, response_body, secret_version, allows_another_attempt, failing_limit,
                           request_headers)
                ), updated AS (
                    UPDATE deliveries AS d
                    SET status = i.status, attempts = i.number, next_attempt_at = NULLIF(i.next_attempt_at, -1),
                        locked_until = NULL, lease_id = NULL, last_attempt_at = i.started_at,
                        last_http_status = NULLIF(i.http_status, -1)::integer,
                        attempts_allowed = d.attempts_allowed + CASE WHEN i.allows_another_attempt THEN 1 ELSE 0 END
                    FROM input i
                    WHERE d.id = i.delivery_id AND d.lease_id = i.lease_id
                    RETURNING d.id, d.app_id, d.endpoint_id, d.status, d.next_attempt_at
                ), woken AS (
                    INSERT INTO queue_wakeups (app_id, endpoint_id, due_at)
                    SELECT app_id, endpoint_id, min(next_attempt_at) FROM updated
                    WHERE status = \(DeliveryStatus.pending.rawValue)
                    GROUP BY app_id, endpoint_id
                ), attempt AS (
                    INSERT INTO delivery_attempts
                        (delivery_id, number, started_at, latency_ms, http_status, error, response_body, secret_version,
                         request_headers)
                    SELECT i.delivery_id, i.number, i.started_at, i.latency_ms, NULLIF(i.http_status, -1)::integer,
                           NULLIF(i.error, ''), i.response_body, i.secret_version, i.request_headers
                    FROM input i JOIN updated u ON u.id = i.delivery_id
                    ON CONFLICT (delivery_id, number) DO NOTHING
                ), counted AS (
                    -- The attempts that count against their endpoint: not those hookd itself cut short.
                    SELECT u.endpoint_id, i.status = \(DeliveryStatus.succeeded.rawValue) AS ok, i.started_at AS at,
                           i.http_status = 410 AS gone, i.failing_limit
                    FROM updated u JOIN input i ON i.delivery_id = u.id
                    WHERE NOT i.allows_another_attempt
                ), summed AS (
                    SELECT endpoint_id, count(*) AS attempts, count(*) FILTER (WHERE NOT ok) AS failures,
                           max(at) AS last_at, (array_agg(ok ORDER BY at DESC))[1] AS last_ok,
                           max(at) FILTER (WHERE ok) AS last_success_at, bool_or(gone) AS gone,
                           max(failing_limit) AS failing_limit
                    FROM counted GROUP BY endpoint_id
                ), locked AS (
                    SELECT w.id, w.status, w.format, w.deleted_at, w.failure_count, w.failing_since
                    FROM webhook_endpoints w
                    WHERE w.id IN (SELECT endpoint_id FROM summed) ORDER BY w.id FOR UPDATE
                ), planned AS (
                    SELECT s.*, l.status AS old_status,
                           CASE WHEN s.last_success_at IS NULL THEN l.failure_count + s.failures
                           ELSE (SELECT count(*) FROM counted f
                                 WHERE f.endpoint_id = s.endpoint_id AND NOT f.ok AND f.at > s.last_success_at)
                           END AS failure_count,
                           CASE WHEN s.last_success_at IS NULL
                                THEN COALESCE(l.failing_since,
                                              (SELECT min(f.at) FROM counted f WHERE f.endpoint_id = s.endpoint_id))
                           ELSE (SELECT min(f.at) FROM counted f
                                 WHERE f.endpoint_id = s.endpoint_id AND NOT f.ok AND f.at > s.last_success_at)
                           END AS failing_since,
                           l.format = 'V3_20' AND l.status = \(EndpointStatus.active.rawValue) AND l.deleted_at IS NULL
                           AS may_disable
                    FROM summed s JOIN locked l ON l.id = s.endpoint_id
                ), judged AS (
                    SELECT p.*,
                           p.may_disable AND (p.gone OR (p.failing_limit >= 0 AND p.failing_since IS NOT NULL
                                                         AND p.failing_since <= p.failing_limit)) AS disable
                    FROM planned p
                ), health AS (
                    UPDATE webhook_endpoints AS w SET
                        total_deliveries = w.total_deliveries + j.attempts,
                        total_failures = w.total_failures + j.failures,
                        last_delivery_at = GREATEST(COALESCE(w.last_delivery_at, j.last_at), j.last_at),
                        last_delivery_status = CASE WHEN j.last_ok THEN 'SUCCEEDED' ELSE 'FAILED' END,
                        failure_count = j.failure_count, failing_since = j.failing_since,
                        status = CASE WHEN j.disable THEN \(EndpointStatus.disabled.rawValue) ELSE w.status END,
                        disabled_reason = CASE WHEN NOT j.disable THEN w.disabled_reason
                                          WHEN j.gone THEN \(EndpointDisabledReason.gone.rawValue)
                                          ELSE \(EndpointDisabledReason.failing.rawValue) END
                    FROM judged j
                    WHERE w.id = j.endpoint_id
                    RETURNING w.id, w.app_id, w.url, w.disabled_reason, j.last_at, j.disable
                )
                SELECT id, NULL::text AS endpoint_id, NULL::text AS app_id, NULL::text AS url, NULL::text AS reason,
                       NULL::bigint AS at
                FROM updated
                UNION ALL
                SELECT NULL, id, app_id, url, disabled_reason, last_at FROM health WHERE disable
                """,
                logger: logger
            ).collect()
            var recorded = Set<String>()
            var notices: [NewEvent] = []
            var latest = UnixMillis(0)
            for row in rows {
                let (id, endpointID, appID, url, reason, at) = try row.decode(
                    (String?, String?, String?, String?, String?, UnixMillis?).self
                )
                if let id {
                    recorded.insert(id)
                } else if let endpointID, let appID, let at,
                    let reason = reason.flatMap(EndpointDisabledReason.init(rawValue:))
                {
                    notices.append(
                        EndpointDisabledNotice(endpointID: endpointID, url: url, reason: reason, at: at)
                            .event(appID: appID)
                    )
                    latest = max(latest, at)
                }
            }
            if !notices.isEmpty {
                let attemptsAllowed = completions.map(\.noticeAttemptsAllowed).max() ?? 1
                try await connection.query(
                    Self.insertQuery(notices, attemptsAllowed: attemptsAllowed, now: latest, lease: nil),
                    logger: logger
                ).consume()
            }
            return completions.map { recorded.contains($0.deliveryID) }
        }
    }

    public func nextDueTime(perAppLimit: Int) async throws -> UnixMillis? {
        try await rows(
            """
            SELECT min(t) FROM (
                SELECT min(\(unescaped: Self.servableAt)) AS t FROM delivery_queues q
                JOIN webhook_endpoints w ON w.id = q.endpoint_id AND \(unescaped: Self.sendable)
                WHERE q.ready_at IS NOT NULL AND q.leased < \(perAppLimit)
                UNION ALL
                SELECT min(k.due_at) FROM queue_wakeups k
                JOIN webhook_endpoints w ON w.id = k.endpoint_id AND \(unescaped: Self.sendable)
                UNION ALL
                SELECT min(d.locked_until) FROM deliveries d
                JOIN webhook_endpoints w ON w.id = d.endpoint_id AND \(unescaped: Self.sendable)
                WHERE d.lease_id IS NOT NULL
            ) AS s
            """
        ).first.flatMap { row in try row.decode(UnixMillis?.self) }
    }

    public func releaseAllLeases() async throws {
        try await execute(
            """
            WITH released AS (
                UPDATE deliveries SET locked_until = NULL, lease_id = NULL WHERE lease_id IS NOT NULL
                RETURNING app_id, endpoint_id, next_attempt_at
            )
            INSERT INTO queue_wakeups (app_id, endpoint_id, due_at)
            SELECT app_id, endpoint_id, min(next_attempt_at) FROM released GROUP BY app_id, endpoint_id
            """
        )
    }

    public var isSharedAcrossProcesses: Bool { true }

    public func listenForPublishes(_ wake: @escaping @Sendable () -> Void) async throws {
        let connection = try await connectOutsidePool()
        do {
            let notifications = try await connection.listen(Self.publishChannel)
            // Anything published while this listener was not connected is due now.
            wake()
            for try await _ in notifications {
                wake()
            }
        } catch {
            try? await connection.close()
            throw error
        }
        // Closed before returning, so the connection never outlives the listener (or the service group's shutdown).
        try? await connection.close()
    }
}
