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
        let deliveryID = Identifiers.deliveryID()
        // One statement writes the event and its delivery, or nothing when the event exists already, and
        // announces a new unleased delivery to the listening dispatchers when it commits.
        let created = try await rows(
            """
            WITH event AS (
                INSERT INTO events (app_id, event_id, event, data, created_at)
                VALUES (\(event.appID), \(event.eventID), \(event.event), \(ByteBuffer(bytes: event.data)), \(now))
                ON CONFLICT (app_id, event_id) DO NOTHING
                RETURNING app_id, event_id, event
            ), delivery AS (
                INSERT INTO deliveries
                    (id, app_id, event_id, event, status, attempts, attempts_allowed, next_attempt_at,
                     locked_until, lease_id, is_test, created_at)
                SELECT \(deliveryID), app_id, event_id, event, \(DeliveryStatus.pending.rawValue), 0,
                       \(attemptsAllowed), \(now), \(lease?.until)::bigint, \(lease?.id)::text, \(event.isTest), \(now)
                FROM event
                RETURNING id, app_id, lease_id
            ), woken AS (
                INSERT INTO queue_wakeups (app_id, due_at) SELECT app_id, \(now) FROM delivery WHERE lease_id IS NULL
            )
            SELECT id, CASE WHEN lease_id IS NULL THEN pg_notify(\(Self.publishChannel), '') END AS announced
            FROM delivery
            """
        )
        if !created.isEmpty {
            return (deliveryID, true)
        }
        // The event was there already (perhaps committed by a concurrent call this statement waited for).
        let existing = try await rows(
            "SELECT id FROM deliveries WHERE app_id = \(event.appID) AND event_id = \(event.eventID)"
        ).first.map { row in try row.decode(String.self) }
        return (existing ?? "", false)
    }

    /// One statement for the whole batch, as for ``completeAttempts(_:)``: events are unnested on the server in
    /// `(app, eventId)` order, so two batches holding the same events cannot wait on each other in a cycle, and
    /// the batch's notifications go out once, at commit.
    public func publishAll(
        _ events: [NewEvent],
        attemptsAllowed: Int,
        now: UnixMillis
    ) async throws -> [PublishOutcome] {
        // An event given twice in one batch is written once; its later copies get the first one's delivery.
        var firstIndex: [String: Int] = [:]
        var unique: [NewEvent] = []
        for (index, event) in events.enumerated() where firstIndex[event.appID + "|" + event.eventID] == nil {
            firstIndex[event.appID + "|" + event.eventID] = index
            unique.append(event)
        }
        let deliveryIDs = unique.map { _ in Identifiers.deliveryID() }
        let written = try await rows(
            """
            WITH input AS (
                SELECT * FROM unnest(
                    \(unique.map(\.appID))::text[], \(unique.map(\.eventID))::text[], \(unique.map(\.event))::text[],
                    \(unique.map { ByteBuffer(bytes: $0.data) })::bytea[], \(unique.map(\.isTest))::boolean[],
                    \(deliveryIDs)::text[]
                ) AS i(app_id, event_id, event, data, is_test, delivery_id)
            ), event AS (
                INSERT INTO events (app_id, event_id, event, data, created_at)
                SELECT app_id, event_id, event, data, \(now) FROM input ORDER BY app_id, event_id
                ON CONFLICT (app_id, event_id) DO NOTHING
                RETURNING app_id, event_id, event
            ), delivery AS (
                INSERT INTO deliveries
                    (id, app_id, event_id, event, status, attempts, attempts_allowed, next_attempt_at,
                     locked_until, lease_id, is_test, created_at)
                SELECT i.delivery_id, e.app_id, e.event_id, e.event, \(DeliveryStatus.pending.rawValue), 0,
                       \(attemptsAllowed), \(now), NULL, NULL, i.is_test, \(now)
                FROM event e JOIN input i ON i.app_id = e.app_id AND i.event_id = e.event_id
                ORDER BY e.app_id, e.event_id
                RETURNING id, app_id
            ), woken AS (
                INSERT INTO queue_wakeups (app_id, due_at) SELECT DISTINCT app_id, \(now) FROM delivery
            )
            SELECT id, pg_notify(\(Self.publishChannel), '') AS announced FROM delivery
            """
        )
        let created = Set(try written.map { try $0.decode(String.self) })
        var outcomes: [String: PublishOutcome] = [:]
        var missing: [NewEvent] = []
        for (event, deliveryID) in zip(unique, deliveryIDs) {
            if created.contains(deliveryID) {
                outcomes[event.appID + "|" + event.eventID] = (deliveryID, true)
            } else {
                missing.append(event)
            }
        }
        if !missing.isEmpty {
            // Events published before: their existing deliveries.
            let existing = try await rows(
                """
                SELECT d.id, d.app_id, d.event_id FROM deliveries d
                JOIN unnest(\(missing.map(\.appID))::text[], \(missing.map(\.eventID))::text[]) AS m(app_id, event_id)
                  ON d.app_id = m.app_id AND d.event_id = m.event_id
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

    public func claimDueDeliveries(
        limit: Int,
        perAppLimit: Int,
        now: UnixMillis,
        leaseUntil: UnixMillis
    ) async throws -> [ClaimedDelivery] {
        let leaseID = Identifiers.leaseID()
        // A claim never reads leased rows to count them: each app's queue row carries its count of leases
        // (`leased`, kept by triggers on `deliveries` in the transaction that leases or releases). The only walk over
        // leased rows is for leases that ran out, oldest first with a LIMIT (`deliveries_lease_expiry`).
        //
        // Three statements in one READ COMMITTED transaction, each with a fresh snapshot: fold what is new into the
        // queues; lock the apps to serve; then, seeing everything committed before those locks were taken (and
        // every release waits for them to count itself), lease each app's due deliveries up to its room and settle
        // its queue. A claimer holding an app's queue row is skipped by the others, so no two claimers take from one
        // app at once.
        return try await withTransaction { [logger] connection in
            try await connection.query(
                """
                WITH expired AS (
                    UPDATE deliveries SET locked_until = NULL, lease_id = NULL
                    WHERE id IN (
                        SELECT id FROM deliveries WHERE lease_id IS NOT NULL AND locked_until <= \(now)
                        ORDER BY locked_until LIMIT 1000 FOR UPDATE SKIP LOCKED)
                      AND lease_id IS NOT NULL AND locked_until <= \(now)
                    RETURNING app_id, next_attempt_at
                ), woken AS (
                    DELETE FROM queue_wakeups WHERE seq IN (
                        SELECT seq FROM queue_wakeups ORDER BY seq LIMIT 10000 FOR UPDATE SKIP LOCKED)
                    RETURNING app_id, due_at
                ), due AS (
                    SELECT app_id, min(due_at) AS due_at
                    FROM (SELECT app_id, due_at FROM woken UNION ALL SELECT app_id, next_attempt_at FROM expired) AS u
                    GROUP BY app_id
                )
                INSERT INTO delivery_queues AS q (app_id, ready_at)
                SELECT app_id, due_at FROM due ORDER BY app_id
                ON CONFLICT (app_id) DO UPDATE
                    SET ready_at = LEAST(COALESCE(q.ready_at, excluded.ready_at), excluded.ready_at)
                """,
                logger: logger
            ).consume()
            let apps = try await connection.query(
                """
                SELECT q.app_id FROM delivery_queues q
                JOIN webhook_endpoints w ON w.app_id = q.app_id AND w.url IS NOT NULL AND w.sealed_secret IS NOT NULL
                WHERE q.ready_at <= \(now) AND q.leased < \(perAppLimit)
                ORDER BY q.served_at, q.app_id
                LIMIT \(limit)
                FOR UPDATE OF q SKIP LOCKED
                """,
                logger: logger
            ).collect().map { row in try row.decode(String.self) }
            guard !apps.isEmpty else { return [] }
            // Each app's due deliveries, oldest first, as many as it has room for; then the first of every app,
            // the second of every app, … (`rank`, then the app's turn) up to the limit.
            return try await connection.query(
                """
                WITH app AS (
                    SELECT a.app_id, a.turn, \(perAppLimit) - q.leased AS room
                    FROM unnest(\(apps)::text[]) WITH ORDINALITY AS a(app_id, turn)
                    JOIN delivery_queues q ON q.app_id = a.app_id
                ), picked AS (
                    SELECT p.id, row_number() OVER (PARTITION BY app.app_id ORDER BY p.next_attempt_at) AS rank,
                           app.turn
                    FROM app CROSS JOIN LATERAL (
                        SELECT d.id, d.next_attempt_at FROM deliveries d
                        WHERE d.app_id = app.app_id AND d.status = \(DeliveryStatus.pending.rawValue)
                          AND d.lease_id IS NULL AND d.next_attempt_at <= \(now)
                        ORDER BY d.next_attempt_at
                        LIMIT GREATEST(app.room, 0)
                        FOR UPDATE OF d SKIP LOCKED
                    ) AS p
                ), chosen AS (
                    SELECT id FROM picked ORDER BY rank, turn LIMIT \(limit)
                ), claimed AS (
                    UPDATE deliveries AS d SET locked_until = \(leaseUntil), lease_id = \(leaseID)
                    FROM chosen, events e, webhook_endpoints w
                    WHERE d.id = chosen.id AND d.lease_id IS NULL
                      AND e.app_id = d.app_id AND e.event_id = d.event_id AND w.app_id = d.app_id
                    RETURNING d.id, d.app_id, d.event_id, d.event, d.attempts, d.attempts_allowed, d.next_attempt_at,
                              d.lease_id, e.data, w.url, w.sealed_secret, w.secret_version
                ), settled AS (
                    UPDATE delivery_queues AS q
                    SET ready_at = (SELECT min(r.next_attempt_at) FROM deliveries r
                                    WHERE r.app_id = q.app_id AND r.status = \(DeliveryStatus.pending.rawValue)
                                      AND r.lease_id IS NULL AND r.id NOT IN (SELECT id FROM chosen)),
                        served_at = CASE WHEN q.app_id IN (SELECT app_id FROM claimed) THEN \(now)
                                    ELSE q.served_at END
                    WHERE q.app_id = ANY(\(apps)::text[])
                )
                SELECT id, app_id, event_id, event, attempts, attempts_allowed, lease_id, data, url, sealed_secret,
                       secret_version
                FROM claimed ORDER BY next_attempt_at, id
                """,
                logger: logger
            ).collect().map(Self.claim(from:))
        }
    }

    public func claimedDelivery(id: String, leaseID: String) async throws -> ClaimedDelivery? {
        try await rows(
            """
            SELECT d.id, d.app_id, d.event_id, d.event, d.attempts, d.attempts_allowed, d.lease_id, e.data, w.url,
                   w.sealed_secret, w.secret_version
            FROM deliveries d
            JOIN events e ON e.app_id = d.app_id AND e.event_id = d.event_id
            JOIN webhook_endpoints w ON w.app_id = d.app_id
            WHERE d.id = \(id) AND d.lease_id = \(leaseID) AND w.url IS NOT NULL AND w.sealed_secret IS NOT NULL
            """
        ).first.map(Self.claim(from:))
    }

    private static func claim(from row: PostgresRow) throws -> ClaimedDelivery {
        let row = row.makeRandomAccess()
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
            leaseID: try row.decode("lease_id")
        )
    }

    @discardableResult
    public func completeAttempt(_ completion: AttemptCompletion) async throws -> Bool {
        let attempt = completion.attempt
        // One statement, so one transaction: the attempt is recorded only when the state change holds the lease.
        let updated = try await rows(
            """
            WITH updated AS (
                UPDATE deliveries
                SET status = \(completion.status.rawValue), attempts = \(attempt.number),
                    next_attempt_at = \(completion.nextAttemptAt)::bigint, locked_until = NULL, lease_id = NULL,
                    last_attempt_at = \(attempt.startedAt), last_http_status = \(attempt.httpStatus)::integer,
                    attempts_allowed = attempts_allowed + CASE WHEN \(completion.allowsAnotherAttempt) THEN 1 ELSE 0 END
                WHERE id = \(completion.deliveryID) AND lease_id = \(completion.leaseID)
                RETURNING id, app_id, status, next_attempt_at
            ), woken AS (
                INSERT INTO queue_wakeups (app_id, due_at)
                SELECT app_id, next_attempt_at FROM updated WHERE status = \(DeliveryStatus.pending.rawValue)
            ), attempt AS (
                INSERT INTO delivery_attempts
                    (delivery_id, number, started_at, latency_ms, http_status, error, response_body, secret_version)
                SELECT id, \(attempt.number), \(attempt.startedAt), \(attempt.latencyMillis),
                       \(attempt.httpStatus)::integer, \(attempt.error)::text,
                       \(ByteBuffer(bytes: attempt.responseBody)), \(completion.secretVersion)
                FROM updated
                ON CONFLICT (delivery_id, number) DO NOTHING
            )
            SELECT id FROM updated
            """
        )
        return !updated.isEmpty
    }

    /// One statement for the whole batch: the completions travel as arrays and are unnested on the server, so a
    /// batch costs one round trip and one commit (one WAL flush) instead of one of each per attempt.
    public func completeAttempts(_ completions: [AttemptCompletion]) async throws -> [Bool] {
        // Arrays cannot hold NULL through postgres-nio's encoders, so absent values travel as -1 or "".
        let recorded = try await rows(
            """
            WITH input AS (
                SELECT * FROM unnest(
                    \(completions.map(\.deliveryID))::text[], \(completions.map(\.leaseID))::text[],
                    \(completions.map(\.status.rawValue))::text[], \(completions.map { Int64($0.attempt.number) })::bigint[],
                    \(completions.map { $0.nextAttemptAt?.rawValue ?? -1 })::bigint[],
                    \(completions.map(\.attempt.startedAt))::bigint[],
                    \(completions.map(\.attempt.latencyMillis))::bigint[],
                    \(completions.map { Int64($0.attempt.httpStatus ?? -1) })::bigint[],
                    \(completions.map { $0.attempt.error ?? "" })::text[],
                    \(completions.map { ByteBuffer(bytes: $0.attempt.responseBody) })::bytea[],
                    \(completions.map(\.secretVersion))::bigint[], \(completions.map(\.allowsAnotherAttempt))::boolean[]
                ) AS i(delivery_id, lease_id, status, number, next_attempt_at, started_at, latency_ms, http_status,
                       error, response_body, secret_version, allows_another_attempt)
            ), updated AS (
                UPDATE deliveries AS d
                SET status = i.status, attempts = i.number, next_attempt_at = NULLIF(i.next_attempt_at, -1),
                    locked_until = NULL, lease_id = NULL, last_attempt_at = i.started_at,
                    last_http_status = NULLIF(i.http_status, -1)::integer,
                    attempts_allowed = d.attempts_allowed + CASE WHEN i.allows_another_attempt THEN 1 ELSE 0 END
                FROM input i
                WHERE d.id = i.delivery_id AND d.lease_id = i.lease_id
                RETURNING d.id, d.app_id, d.status, d.next_attempt_at
            ), woken AS (
                INSERT INTO queue_wakeups (app_id, due_at)
                SELECT app_id, min(next_attempt_at) FROM updated WHERE status = \(DeliveryStatus.pending.rawValue)
                GROUP BY app_id
            ), attempt AS (
                INSERT INTO delivery_attempts
                    (delivery_id, number, started_at, latency_ms, http_status, error, response_body, secret_version)
                SELECT i.delivery_id, i.number, i.started_at, i.latency_ms, NULLIF(i.http_status, -1)::integer,
                       NULLIF(i.error, ''), i.response_body, i.secret_version
                FROM input i JOIN updated u ON u.id = i.delivery_id
                ON CONFLICT (delivery_id, number) DO NOTHING
            )
            SELECT id FROM updated
            """
        )
        let done = Set(try recorded.map { try $0.decode(String.self) })
        return completions.map { done.contains($0.deliveryID) }
    }

    public func nextDueTime(perAppLimit: Int) async throws -> UnixMillis? {
        try await rows(
            """
            SELECT min(t) FROM (
                (SELECT q.ready_at AS t FROM delivery_queues q
                 JOIN webhook_endpoints w ON w.app_id = q.app_id AND w.url IS NOT NULL AND w.sealed_secret IS NOT NULL
                 WHERE q.ready_at IS NOT NULL
                   AND q.leased < \(perAppLimit)
                 ORDER BY q.ready_at LIMIT 1)
                UNION ALL
                SELECT min(k.due_at) FROM queue_wakeups k
                JOIN webhook_endpoints w ON w.app_id = k.app_id AND w.url IS NOT NULL AND w.sealed_secret IS NOT NULL
                UNION ALL
                SELECT min(d.locked_until) FROM deliveries d
                JOIN webhook_endpoints w ON w.app_id = d.app_id AND w.url IS NOT NULL AND w.sealed_secret IS NOT NULL
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
                RETURNING app_id, next_attempt_at
            )
            INSERT INTO queue_wakeups (app_id, due_at)
            SELECT app_id, min(next_attempt_at) FROM released GROUP BY app_id
            """
        )
    }

    public var isSharedAcrossProcesses: Bool { true }

    public func listenForPublishes(_ wake: @escaping @Sendable () -> Void) async throws {
        let connection = try await connectOutsidePool()
        defer { Task { try? await connection.close() } }
        let notifications = try await connection.listen(Self.publishChannel)
        // Anything published while this listener was not connected is due now.
        wake()
        for try await _ in notifications {
            wake()
        }
    }
}
