public import HookdCore
import PostgresNIO

extension PostgresStore: DeliveryQueue {
    /// The channel on which new due work is announced to every listening dispatcher: by the statement that
    /// publishes, requeues or gives an app a URL again, delivered when it commits. A lost notification only delays
    /// delivery until the next idle poll.
    static let publishChannel = "hookd_deliveries"

    public func publish(
        _ event: NewEvent,
        attemptsAllowed: AttemptsAllowed,
        now: UnixMillis,
        lease: (id: LeaseID, until: UnixMillis)?
    ) async throws -> (deliveryID: DeliveryID, created: Bool) {
        try await insert([event], attemptsAllowed: attemptsAllowed, now: now, lease: lease)[0]
    }

    public func publishAll(
        _ events: [NewEvent],
        attemptsAllowed: AttemptsAllowed,
        now: UnixMillis
    ) async throws -> [PublishOutcome] {
        try await insert(events, attemptsAllowed: attemptsAllowed, now: now, lease: nil)
    }

    /// One prepared statement for the whole batch (``PostgresInsertEvents``), committing on its own: one round trip
    /// and one commit.
    /// - Returns: for each event, its first delivery's id ("" when no endpoint takes it) and whether it was new.
    private func insert(
        _ events: [NewEvent],
        attemptsAllowed: AttemptsAllowed,
        now: UnixMillis,
        lease: (id: LeaseID, until: UnixMillis)?
    ) async throws -> [PublishOutcome] {
        // An event given twice in one batch is written once; its later copies get the first one's delivery.
        var firstIndex: [EventKey: Int] = [:]
        var unique: [NewEvent] = []
        for (index, event) in events.enumerated() where firstIndex[EventKey(event)] == nil {
            firstIndex[EventKey(event)] = index
            unique.append(event)
        }
        let insert = PostgresInsertEvents(events: unique, attemptsAllowed: attemptsAllowed, now: now, lease: lease)
        let written = try await withPlannedOnceConnection { [logger] connection in
            try await connection.execute(insert, logger: logger).reduce(into: [PostgresRow]()) { $0.append($1) }
        }
        var outcomes: [EventKey: PublishOutcome] = [:]
        for row in written {
            let (appID, eventID, deliveryID) = try row.decode((AppID, EventID, DeliveryID).self)
            outcomes[EventKey(appID: appID, eventID: eventID)] = (deliveryID, true)
        }
        let missing = unique.filter { outcomes[EventKey($0)] == nil }
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
                let (id, appID, eventID) = try row.decode((DeliveryID, AppID, EventID).self)
                outcomes[EventKey(appID: appID, eventID: eventID)] = (id, false)
            }
        }
        return events.enumerated().map { index, event in
            let key = EventKey(event)
            guard let outcome = outcomes[key] else { return (DeliveryID(""), false) }
            return firstIndex[key] == index ? outcome : (outcome.deliveryID, false)
        }
    }

    public func claimDueDeliveries(
        limit: Int,
        caps: ClaimCaps,
        now: UnixMillis,
        leaseUntil: UnixMillis
    ) async throws -> [ClaimedDelivery] {
        let leaseID = Identifiers.leaseID()
        // The fair queue has one row per endpoint (SPEC §11: one endpoint's failure never delays another's) and one
        // per app (SPEC §13: a tenant is an app): apps take turns, then an app's endpoints take turns, within the
        // caps.
        //
        // A claim never reads leased rows to count them: each endpoint's queue row carries its count of leases
        // (`leased`: a lease adds to it in the statement that leases, on the queue row the claim holds; a record, an
        // expiry, a deleted endpoint or a restart appends its releases to `lease_releases`, folded in here), so an
        // attempt's record never waits for a claimer's lock on the queue row, nor does a claimer skip an endpoint
        // because a record holds it. The only walk over leased rows is for leases that ran out, oldest first with a
        // LIMIT (`deliveries_lease_expiry`).
        //
        // Two statements, each committing on its own (one round trip each, on the dispatcher's pool): fold what is
        // new into the queues; then lock the endpoints to serve, lease each one's due deliveries up to its room and
        // settle its queue. The fold alone is bookkeeping that any claim may do (what it folds is counted once, in
        // the statement that deletes it from its ledger); the lease, a new statement, sees it committed. Locking a
        // queue row reads its newest version, so every lease and every folded release counts; a release not folded
        // yet still counts as a lease, so the room is never more than the limit allows. A delivery leased meanwhile
        // is skipped or re-checked by the lease's own `lease_id IS NULL`. A claimer holding an app's row in
        // `app_queues` is skipped by the others, so no two claimers take from one app at once.
        return try await withPlannedOnceConnection { [logger] connection in
            try await connection.execute(PostgresClaimStatements.FoldIntoQueues(now: now), logger: logger).consume()
            let lease = PostgresClaimStatements.LeaseDueDeliveries(
                now: now,
                caps: caps,
                limit: limit,
                leaseUntil: leaseUntil,
                leaseID: leaseID
            )
            var claimed: [ClaimedDelivery] = []
            for try await row in try await connection.execute(lease, logger: logger) {
                claimed.append(try Self.claim(from: row))
            }
            return claimed
        }
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
        w.url, w.sealed_secret, w.secret_version, w.format, w.sealed_headers, w.previous_sealed_secret, \
        w.previous_secret_until, a.business_id, a.environment, e.trace_parent
        """

    public func claimedDelivery(id: DeliveryID, leaseID: LeaseID) async throws -> ClaimedDelivery? {
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
        return ClaimedDelivery(
            id: try row.decode("id"),
            appID: try row.decode("app_id"),
            eventID: try row.decode("event_id"),
            event: try row.decode("event"),
            data: try row.bytes("data"),
            attempts: try row.decode("attempts"),
            attemptsAllowed: try row.decode("attempts_allowed"),
            leaseID: try row.decode("lease_id"),
            endpointID: try row.decode("endpoint_id"),
            target: try target(from: row, url: try row.decode("url"), sealedSecret: try row.bytes("sealed_secret")),
            traceParent: try row.decode("trace_parent")
        )
    }

    @discardableResult
    public func completeAttempt(_ completion: AttemptCompletion) async throws -> Bool {
        try await completeAttempts([completion])[0]
    }

    /// One prepared statement for the whole batch (``PostgresRecordAttempts``): one round trip and one commit (one
    /// WAL flush). Only when it changed an endpoint's state or exhausted a delivery, a second statement in the same
    /// transaction sends the notices (SPEC §11, §14); a batch that may (one of its attempts failed) is recorded in a
    /// transaction, a batch of successes (which change nothing of that kind) in the statement alone.
    public func completeAttempts(_ completions: [AttemptCompletion]) async throws -> [Bool] {
        let record: @Sendable (PostgresConnection) async throws -> [Bool] = { [logger] connection in
            var recorded = Set<DeliveryID>()
            var notices: [OperationalNotice] = []
            var latest = UnixMillis(0)
            for try await row in try await connection.execute(
                PostgresRecordAttempts(completions: completions),
                logger: logger
            ) {
                let row = row.makeRandomAccess()
                guard try row.decode("kind", as: String.self) != "recorded" else {
                    recorded.insert(try row.decode("delivery_id"))
                    continue
                }
                if let notice = try Self.notice(from: row, completions: completions) {
                    notices.append(notice)
                    latest = max(latest, notice.at)
                }
            }
            // Notices go to v3.20 endpoints alone.
            try await Self.insertNotices(
                notices,
                attemptsAllowed: completions.map(\.noticeAttemptsAllowed).max() ?? 1,
                now: latest,
                on: connection,
                logger: logger
            )
            return completions.map { recorded.contains($0.deliveryID) }
        }
        let mayDisable = completions.contains { $0.status != .succeeded }
        return try await mayDisable ? withPlannedOnceTransaction(record) : withPlannedOnceConnection(record)
    }

    /// The notice a row of ``PostgresRecordAttempts`` other than `recorded` reports.
    private static func notice(
        from row: PostgresRandomAccessRow,
        completions: [AttemptCompletion]
    ) throws -> OperationalNotice? {
        let kind: OperationalNotice.Kind
        switch try row.decode("kind", as: String.self) {
        case "disabled":
            guard let reason = EndpointDisabledReason(rawValue: try row.decode("reason")) else { return nil }
            kind = .endpointDisabled(reason: reason)
        case "failing":
            let failingSince = try row.decode("failing_since", as: UnixMillis.self)
            let disableAfter = completions.map(\.endpointDisableAfter).max() ?? .zero
            kind = .endpointFailing(failingSince: failingSince, disableAt: failingSince + disableAfter)
        case "exhausted":
            kind = .deliveryExhausted(
                DeliveryExhaustion(
                    deliveryID: try row.decode("delivery_id"),
                    eventID: try row.decode("event_id"),
                    event: try row.decode("event"),
                    attempts: Int(try row.decode("number", as: Int64.self)),
                    lastHTTPStatus: try row.decode("http_status", as: Int64?.self).map { Int($0) },
                    lastError: try row.decode("error")
                )
            )
        default:
            return nil
        }
        return OperationalNotice(
            appID: try row.decode("app_id"),
            endpointID: try row.decode("endpoint_id"),
            url: try row.decode("url"),
            kind: kind,
            at: try row.decode("at")
        )
    }

    /// Writes the events of `notices` (SPEC §14) on `connection`, each allowed `attemptsAllowed` attempts: to the
    /// app's subscribed endpoints but the one it is about, and to the operator's webhook while one is set. Nothing is
    /// said about the operator's own webhook.
    static func insertNotices(
        _ notices: [OperationalNotice],
        attemptsAllowed: Int,
        now: UnixMillis,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let notices = notices.filter { $0.appID != OperatorWebhook.appID }
        guard !notices.isEmpty else { return }
        let active = try await connection.query(
            """
            SELECT 1 FROM webhook_endpoints
            WHERE id = \(OperatorWebhook.endpointID) AND status = \(EndpointStatus.active.rawValue)
              AND deleted_at IS NULL AND url IS NOT NULL
            """,
            logger: logger
        ).collect()
        let insert = PostgresInsertEvents(
            events: notices.flatMap { $0.events(toOperator: !active.isEmpty) },
            attemptsAllowed: AttemptsAllowed(v3URL: attemptsAllowed, endpoint: attemptsAllowed),
            now: now,
            lease: nil
        )
        try await connection.execute(insert, logger: logger).consume()
    }

    public func nextDueTime(caps: ClaimCaps) async throws -> UnixMillis? {
        try await withPlannedOnceConnection { [logger] connection in
            let statement = PostgresClaimStatements.NextDueTime(caps: caps)
            for try await row in try await connection.execute(statement, logger: logger) {
                return try row.decode(UnixMillis?.self)
            }
            return nil
        }
    }

    /// What ``sendingState(from:)`` reads, from `webhook_endpoints w` and `apps a`. A constant list of column names,
    /// never data.
    static let sendingStateColumns = """
        w.url, w.sealed_secret, w.secret_version, w.format, w.sealed_headers, w.previous_sealed_secret, \
        w.previous_secret_until, w.status, w.deleted_at, a.status AS app_status, a.business_id, a.environment
        """

    public func sendingStates(endpointIDs: Set<EndpointID>) async throws -> [EndpointID: EndpointSendingState] {
        let statement = PostgresClaimStatements.ReadSendingStates(endpointIDs: Array(endpointIDs))
        let rows = try await withPlannedOnceConnection { [logger] connection in
            try await connection.execute(statement, logger: logger).reduce(into: [PostgresRow]()) { $0.append($1) }
        }
        var states = Dictionary(uniqueKeysWithValues: endpointIDs.map { ($0, EndpointSendingState.gone) })
        for row in rows {
            let row = row.makeRandomAccess()
            states[try row.decode("id", as: EndpointID.self)] = try Self.sendingState(from: row)
        }
        return states
    }

    /// What an endpoint's row, joined to its app's (``sendingStateColumns``), allows now.
    private static func sendingState(from row: PostgresRandomAccessRow) throws -> EndpointSendingState {
        guard try row.decode("deleted_at", as: Int64?.self) == nil else { return .gone }
        guard try row.decode("status", as: String.self) == EndpointStatus.active.rawValue,
            try row.decode("app_status", as: String.self) == AppStatus.active.rawValue,
            let url = try row.decode("url", as: String?.self),
            let sealedSecret = try row.optionalBytes("sealed_secret")
        else { return .held }
        return .sendable(try target(from: row, url: url, sealedSecret: sealedSecret))
    }

    /// Where, and signed how, a delivery goes by an endpoint's row joined to its app's (`business_id`,
    /// `environment`): claims and the check before an attempt read it alike.
    ///
    /// - Parameters:
    ///   - row: The endpoint's row, joined to its app's.
    ///   - url: The row's URL, which the caller has found set.
    ///   - sealedSecret: The row's sealed secret, which the caller has found set.
    /// - Throws: ``StoreError`` when the row's format or environment is not one hookd writes.
    private static func target(
        from row: PostgresRandomAccessRow,
        url: String,
        sealedSecret: [UInt8]
    ) throws -> DeliveryTarget {
        guard let format = Endpoint.Format(rawValue: try row.decode("format")),
            let environment = AppEnvironment(rawValue: try row.decode("environment"))
        else { throw StoreError.corruptRow(table: "webhook_endpoints") }
        return DeliveryTarget(
            url: url,
            sealedSecret: sealedSecret,
            secretVersion: try row.decode("secret_version"),
            format: format,
            sealedHeaders: try row.optionalBytes("sealed_headers"),
            previousSealedSecret: try row.optionalBytes("previous_sealed_secret"),
            previousSecretUntil: try row.decode("previous_secret_until"),
            businessID: try row.decode("business_id"),
            environment: environment
        )
    }

    public func releaseUnsent(_ claims: [ClaimedDelivery]) async throws {
        guard !claims.isEmpty else { return }
        try await execute(
            """
            WITH released AS (
                UPDATE deliveries AS d SET locked_until = NULL, lease_id = NULL
                FROM unnest(\(claims.map(\.id))::text[], \(claims.map(\.leaseID))::text[]) AS u(id, lease_id)
                WHERE d.id = u.id AND d.lease_id = u.lease_id AND d.status = \(DeliveryStatus.pending.rawValue)
                RETURNING d.endpoint_id, d.app_id, d.next_attempt_at
            ), counted AS (
                INSERT INTO lease_releases (endpoint_id, app_id, released)
                SELECT endpoint_id, app_id, count(*) FROM released GROUP BY endpoint_id, app_id
            )
            INSERT INTO queue_wakeups (app_id, endpoint_id, due_at)
            SELECT app_id, endpoint_id, min(next_attempt_at) FROM released GROUP BY app_id, endpoint_id
            """
        )
    }

    public func releaseAllLeases() async throws {
        try await execute(
            """
            WITH released AS (
                UPDATE deliveries SET locked_until = NULL, lease_id = NULL WHERE lease_id IS NOT NULL
                RETURNING app_id, endpoint_id, next_attempt_at
            ), counted AS (
                INSERT INTO lease_releases (endpoint_id, app_id, released)
                SELECT endpoint_id, app_id, count(*) FROM released GROUP BY endpoint_id, app_id
            )
            INSERT INTO queue_wakeups (app_id, endpoint_id, due_at)
            SELECT app_id, endpoint_id, min(next_attempt_at) FROM released GROUP BY app_id, endpoint_id
            """
        )
    }

    public func dispatchersSharingQueue(id: DispatcherID, now: UnixMillis, aliveSince: UnixMillis) async throws -> Int {
        let rows = try await rows(
            """
            WITH seen AS (
                INSERT INTO dispatchers (id, seen_at) VALUES (\(id), \(now))
                ON CONFLICT (id) DO UPDATE SET seen_at = GREATEST(dispatchers.seen_at, excluded.seen_at)
            ), forgotten AS (
                DELETE FROM dispatchers WHERE seen_at < \(aliveSince) AND id <> \(id)
            )
            SELECT 1 + count(*) FROM dispatchers WHERE seen_at >= \(aliveSince) AND id <> \(id)
            """
        )
        return try rows.first.map { try $0.decode(Int.self) } ?? 1
    }

    public func leaveQueue(dispatcherID id: DispatcherID) async throws {
        try await execute("DELETE FROM dispatchers WHERE id = \(id)")
    }

    public var isSharedAcrossProcesses: Bool { true }

    public func listenForPublishes(_ wake: @escaping @Sendable () -> Void) async throws {
        let connection = try await connectOutsidePool()
        do {
            // `UNLISTEN` is sent when the closure returns, however it returns.
            try await connection.listen(on: Self.publishChannel) { notifications in
                // Anything published while this listener was not connected is due now.
                wake()
                for try await _ in notifications {
                    wake()
                }
            }
        } catch {
            try? await connection.close()
            throw error
        }
        // Closed before returning, so the connection never outlives the listener (or the service group's shutdown).
        try? await connection.close()
    }
}

/// An event as the batch insert matches it: an app publishes an event id once.
private struct EventKey: Hashable {
    let appID: AppID
    let eventID: EventID

    init(appID: AppID, eventID: EventID) {
        self.appID = appID
        self.eventID = eventID
    }

    init(_ event: NewEvent) {
        self.init(appID: event.appID, eventID: event.eventID)
    }
}
