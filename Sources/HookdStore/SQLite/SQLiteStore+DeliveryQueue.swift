import GRDB
public import HookdCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
public import Foundation
#endif

extension SQLiteStore: DeliveryQueue {
    public func publish(
        _ event: NewEvent,
        attemptsAllowed: AttemptsAllowed,
        now: UnixMillis,
        lease: (id: LeaseID, until: UnixMillis)?
    ) async throws -> (deliveryID: DeliveryID, created: Bool) {
        try await pool.write { db in
            try Self.insert(event, attemptsAllowed: attemptsAllowed, now: now, lease: lease, db)
        }
    }

    public func publishAll(
        _ events: [NewEvent],
        attemptsAllowed: AttemptsAllowed,
        now: UnixMillis
    ) async throws -> [PublishOutcome] {
        try await pool.write { db in
            try events.map { event in
                try Self.insert(event, attemptsAllowed: attemptsAllowed, now: now, lease: nil, db)
            }
        }
    }

    /// Writes one event and a delivery for each endpoint that takes it, or nothing when the event exists already
    /// (the first one stands).
    ///
    /// - Returns: the first delivery's id ("" when no endpoint takes the event), and whether the event was new.
    static func insert(
        _ event: NewEvent,
        attemptsAllowed: AttemptsAllowed,
        now: UnixMillis,
        lease: (id: LeaseID, until: UnixMillis)?,
        _ db: Database
    ) throws -> PublishOutcome {
        try db.cachedStatement(
            sql: """
                INSERT INTO events (app_id, event_id, event, data, created_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (app_id, event_id) DO NOTHING
                """
        ).execute(
            arguments: [event.appID, event.eventID, event.event, Data(event.data), now]
        )
        guard db.changesCount == 1 else {
            let existing = try DeliveryID.fetchOne(
                db,
                sql: "SELECT id FROM deliveries WHERE app_id = ? AND event_id = ? ORDER BY rowid LIMIT 1",
                arguments: [event.appID, event.eventID]
            )
            return (existing ?? DeliveryID(""), false)
        }
        var first: DeliveryID?
        let v3 = Identifiers.v3WebhookID(appID: event.appID)
        for endpointID in try targets(of: event, db) {
            let deliveryID = Identifiers.deliveryID()
            let attempts = endpointID == v3 ? attemptsAllowed.v3URL : attemptsAllowed.endpoint
            try db.cachedStatement(
                sql: """
                    INSERT INTO deliveries
                        (id, app_id, endpoint_id, event_id, event, status, attempts, attempts_allowed, next_attempt_at,
                         locked_until, lease_id, is_test, created_at)
                    VALUES (?, ?, ?, ?, ?, 'PENDING', 0, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: [
                    deliveryID, event.appID, endpointID, event.eventID, event.event, attempts, now,
                    lease?.until, lease?.id, event.isTest, now,
                ]
            )
            if lease == nil {
                try Self.markEndpointReady(db, endpointID: endpointID, appID: event.appID, at: now)
            }
            first = first ?? deliveryID
        }
        return (first ?? DeliveryID(""), true)
    }

    /// The endpoints an event goes to (SPEC §11): the one it names (a test delivery), or every active v3.20
    /// endpoint subscribed to it, and (for the events with a v3 name) the app's v3 URL when it has one or the
    /// app has no v3.20 endpoint at all (so an app that has set nothing yet keeps its events until it does, as v3
    /// promises).
    private static func targets(of event: NewEvent, _ db: Database) throws -> [EndpointID] {
        if let endpointID = event.endpointID { return [endpointID] }
        let v3 = Identifiers.v3WebhookID(appID: event.appID)
        return try EndpointID.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT id FROM webhook_endpoints
                    WHERE app_id = ?1 AND format = 'V3_20' AND status = 'ACTIVE' AND \(visibleEndpoint)
                      AND EXISTS (SELECT 1 FROM json_each(events) WHERE value = ?2)
                    UNION ALL
                    SELECT ?3 WHERE ?4
                      AND (EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = ?3 AND url IS NOT NULL)
                           OR NOT EXISTS (SELECT 1 FROM webhook_endpoints
                                          WHERE app_id = ?1 AND format = 'V3_20' AND deleted_at IS NULL))
                    """
            ),
            arguments: [event.appID, event.event, v3, EventCatalogue.reachesV3URL(event.event)]
        )
    }

    public func claimDueDeliveries(
        limit: Int,
        caps: ClaimCaps,
        now: UnixMillis,
        leaseUntil: UnixMillis
    ) async throws -> [ClaimedDelivery] {
        let leaseID = Identifiers.leaseID()
        // One write transaction, and SQLite has one writer: nothing changes between reading the queues and leasing.
        return try await pool.write { db in
            try Self.releaseExpiredLeases(db, now: now)
            let apps = try Self.appsInTurn(db, limit: limit, caps: caps, now: now)
            guard !apps.isEmpty else { return [] }
            let due = try apps.map { app in
                try app.endpoints.map { endpoint in
                    try DeliveryID.fetchAll(
                        db.cachedStatement(
                            sql: """
                                SELECT id FROM deliveries INDEXED BY deliveries_ready
                                WHERE endpoint_id = ? AND status = 'PENDING' AND lease_id IS NULL
                                  AND next_attempt_at <= ?
                                ORDER BY next_attempt_at LIMIT ?
                                """
                        ),
                        arguments: [endpoint.id, now, min(endpoint.room, limit)]
                    )
                }
            }
            // Within each app its endpoints in turn, up to the app's room; then the apps in turn, up to the limit.
            let chosen = FairShare.takeInTurn(
                zip(apps, due).map { app, endpoints in FairShare.takeInTurn(endpoints, limit: app.room) },
                limit: limit
            )
            let lease = try db.cachedStatement(sql: "UPDATE deliveries SET locked_until = ?, lease_id = ? WHERE id = ?")
            for id in chosen {
                try lease.execute(arguments: [leaseUntil, leaseID, id])
            }
            let taken = Set(chosen)
            for (app, due) in zip(apps, due) {
                var served = false
                for (endpoint, due) in zip(app.endpoints, due) {
                    let count = due.filter(taken.contains).count
                    served = served || count > 0
                    try Self.settle(
                        db,
                        endpointID: endpoint.id,
                        servedAt: count > 0 ? now : nil,
                        arrival: endpoint.rate.map {
                            $0.arrival(after: count, from: endpoint.arrival, now: now)
                        }
                    )
                }
                if served {
                    try db.cachedStatement(
                        sql: """
                            INSERT INTO app_queues (app_id, served_at) VALUES (?1, ?2)
                            ON CONFLICT (app_id) DO UPDATE SET served_at = ?2
                            """
                    ).execute(arguments: [app.id, now])
                }
            }
            return try chosen.compactMap { id in try Self.claim(db, id: id, leaseID: leaseID) }
        }
    }

    /// The apps a claim may serve, least recently served first, at most `limit` of them, each with its room (its
    /// cap less its leases) and its endpoints that may be served, least recently served first, each with its room
    /// (the endpoint's cap less its leases, its rate limit, and the app's room).
    ///
    /// An endpoint may be served when it has due work, can be sent to, is below its cap and its rate limit allows;
    /// an app when it is active and below its cap.
    private static func appsInTurn(
        _ db: Database,
        limit: Int,
        caps: ClaimCaps,
        now: UnixMillis
    ) throws -> [AppInTurn] {
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT endpoint_id, app_id, endpoint_leased, app_leased, rate_limit, rate_tat FROM (
                        SELECT q.endpoint_id, q.app_id, q.served_at, q.rate_tat, w.rate_limit,
                               coalesce(t.served_at, 0) AS app_served_at,
                               (SELECT count(*) FROM deliveries l INDEXED BY deliveries_leased
                                WHERE l.endpoint_id = q.endpoint_id AND l.lease_id IS NOT NULL) AS endpoint_leased,
                               (SELECT count(*) FROM deliveries l INDEXED BY deliveries_leased_by_app
                                WHERE l.app_id = q.app_id AND l.lease_id IS NOT NULL) AS app_leased
                        FROM delivery_queues q
                        JOIN webhook_endpoints w ON w.id = q.endpoint_id AND \(sendable)
                        JOIN apps a ON a.id = q.app_id AND a.status = '\(AppStatus.active.rawValue)'
                        LEFT JOIN app_queues t ON t.app_id = q.app_id
                        WHERE q.ready_at <= ?1 AND (w.rate_limit IS NULL OR q.rate_tat <= ?1 + 1000 - 1000.0 / w.rate_limit)
                    )
                    WHERE endpoint_leased < ?2 AND app_leased < ?3
                    ORDER BY app_served_at, app_id, served_at, endpoint_id
                    """
            ),
            arguments: [now, caps.perEndpoint, caps.perApp]
        )
        var apps: [AppInTurn] = []
        while let row = try rows.next() {
            let appID: AppID = row["app_id"]
            if apps.last?.id != appID {
                guard apps.count < limit else { break }
                apps.append(AppInTurn(id: appID, room: caps.perApp - (row["app_leased"] as Int), endpoints: []))
            }
            let rate = (row["rate_limit"] as Int?).map(EndpointRate.init(perSecond:))
            let arrival: UnixMillis = row["rate_tat"]
            var room = min(caps.perEndpoint - (row["endpoint_leased"] as Int), apps[apps.count - 1].room)
            if let rate { room = min(room, rate.allowance(arrival: arrival, now: now)) }
            apps[apps.count - 1].endpoints.append(
                EndpointInTurn(id: row["endpoint_id"], room: room, rate: rate, arrival: arrival)
            )
        }
        return apps
    }

    /// An app a claim may take from: its room, and its endpoints that may be served, in their turn.
    private struct AppInTurn {
        let id: AppID
        let room: Int
        var endpoints: [EndpointInTurn]
    }

    /// An endpoint a claim may take from: its room, and its rate limit's state.
    private struct EndpointInTurn {
        let id: EndpointID
        let room: Int
        let rate: EndpointRate?
        let arrival: UnixMillis
    }

    /// An endpoint deliveries can go to: active, not deleted, with a URL and a secret (the join condition on
    /// `webhook_endpoints w`). A constant, never data.
    static let sendable = """
        w.url IS NOT NULL AND w.sealed_secret IS NOT NULL AND w.status = 'ACTIVE' AND w.deleted_at IS NULL
        """

    /// Sets an endpoint's queue to the earliest due time of its pending deliveries no one holds, and marks it served.
    ///
    /// With `arrival`, the endpoint's rate limit state moves there.
    private static func settle(
        _ db: Database,
        endpointID: EndpointID,
        servedAt: UnixMillis?,
        arrival: UnixMillis?
    ) throws {
        try db.cachedStatement(
            sql: """
                UPDATE delivery_queues
                SET ready_at = (SELECT min(next_attempt_at) FROM deliveries INDEXED BY deliveries_ready
                                WHERE endpoint_id = ?1 AND status = 'PENDING' AND lease_id IS NULL),
                    served_at = coalesce(?2, served_at), rate_tat = coalesce(?3, rate_tat)
                WHERE endpoint_id = ?1
                """
        ).execute(arguments: [endpointID, servedAt, arrival])
    }

    /// Lowers an endpoint's queue to `at` (creating it): one of its deliveries is pending, due then, and held by no
    /// one.
    static func markEndpointReady(_ db: Database, endpointID: EndpointID, appID: AppID, at: UnixMillis) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO delivery_queues (endpoint_id, app_id, ready_at) VALUES (?, ?, ?)
                ON CONFLICT (endpoint_id) DO UPDATE
                    SET ready_at = min(coalesce(ready_at, excluded.ready_at), excluded.ready_at)
                """
        ).execute(arguments: [endpointID, appID, at])
    }

    /// Releases the leases that ran out (a dispatcher died mid-attempt, or its record never came): each costs a
    /// retry, not a delivery.
    private static func releaseExpiredLeases(_ db: Database, now: UnixMillis) throws {
        let released = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    UPDATE deliveries INDEXED BY deliveries_leased SET locked_until = NULL, lease_id = NULL
                    WHERE lease_id IS NOT NULL AND locked_until <= ?
                    RETURNING endpoint_id, app_id, next_attempt_at
                    """
            ),
            arguments: [now]
        )
        for row in released {
            try markEndpointReady(db, endpointID: row["endpoint_id"], appID: row["app_id"], at: row["next_attempt_at"])
        }
    }

    public func claimedDelivery(id: DeliveryID, leaseID: LeaseID) async throws -> ClaimedDelivery? {
        try await pool.read { db in try Self.claim(db, id: id, leaseID: leaseID) }
    }

    /// Delivery `id` with what sending it needs, if `leaseID` holds it and its endpoint can be sent to.
    private static func claim(_ db: Database, id: DeliveryID, leaseID: LeaseID) throws -> ClaimedDelivery? {
        try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT d.id, d.app_id, d.endpoint_id, d.event_id, d.event, d.attempts, d.attempts_allowed, e.data,
                           w.url, w.sealed_secret, w.secret_version, w.format, w.sealed_headers, w.previous_sealed_secret,
                           w.previous_secret_until, a.business_id, a.environment
                    FROM deliveries d
                    JOIN events e ON e.app_id = d.app_id AND e.event_id = d.event_id
                    JOIN webhook_endpoints w ON w.id = d.endpoint_id
                    JOIN apps a ON a.id = d.app_id
                    WHERE d.id = ? AND d.lease_id = ? AND \(sendable)
                    """
            ),
            arguments: [id, leaseID]
        ).map { row in
            guard let format = Endpoint.Format(rawValue: row["format"]),
                let environment = AppEnvironment(rawValue: row["environment"])
            else { throw StoreError.corruptRow(table: "webhook_endpoints") }
            return
                ClaimedDelivery(
                    id: row["id"],
                    appID: row["app_id"],
                    eventID: row["event_id"],
                    event: row["event"],
                    data: Array(row["data"] as Data),
                    attempts: row["attempts"],
                    attemptsAllowed: row["attempts_allowed"],
                    url: row["url"],
                    sealedSecret: Array(row["sealed_secret"] as Data),
                    secretVersion: row["secret_version"],
                    leaseID: leaseID,
                    endpointID: row["endpoint_id"],
                    format: format,
                    sealedHeaders: (row["sealed_headers"] as Data?).map(Array.init),
                    previousSealedSecret: (row["previous_sealed_secret"] as Data?).map(Array.init),
                    previousSecretUntil: row["previous_secret_until"],
                    businessID: row["business_id"],
                    environment: environment
                )
        }
    }

    @discardableResult
    public func completeAttempt(_ completion: AttemptCompletion) async throws -> Bool {
        try await pool.write { db in
            try Self.complete(db, completion)
        }
    }

    public func completeAttempts(_ completions: [AttemptCompletion]) async throws -> [Bool] {
        try await pool.write { db in
            try completions.map { try Self.complete(db, $0) }
        }
    }

    static func complete(_ db: Database, _ completion: AttemptCompletion) throws -> Bool {
        let attempt = completion.attempt
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        UPDATE deliveries
                        SET status = ?, attempts = ?, next_attempt_at = ?, locked_until = NULL, lease_id = NULL,
                            last_attempt_at = ?, last_http_status = ?,
                            attempts_allowed = attempts_allowed + CASE WHEN ? THEN 1 ELSE 0 END
                        WHERE id = ? AND lease_id = ?
                        RETURNING app_id, endpoint_id
                        """
                ),
                arguments: [
                    completion.status.rawValue, attempt.number, completion.nextAttemptAt, attempt.startedAt,
                    attempt.httpStatus, completion.allowsAnotherAttempt, completion.deliveryID,
                    completion.leaseID,
                ]
            )
        else { return false }
        let (appID, endpointID): (AppID, EndpointID) = (row["app_id"], row["endpoint_id"])
        if completion.status == .pending, let next = completion.nextAttemptAt {
            try markEndpointReady(db, endpointID: endpointID, appID: appID, at: next)
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO delivery_attempts
                    (delivery_id, number, started_at, latency_ms, http_status, error, response_body, secret_version,
                     request_headers)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (delivery_id, number) DO NOTHING
                """
        ).execute(
            arguments: [
                completion.deliveryID, attempt.number, attempt.startedAt, attempt.latency.wholeMilliseconds,
                attempt.httpStatus, attempt.error, Data(attempt.responseBody), completion.secretVersion,
                SentHeader.lines(attempt.requestHeaders),
            ]
        )
        if !completion.allowsAnotherAttempt {
            try recordHealth(db, endpointID: endpointID, appID: appID, completion)
        }
        return true
    }

    /// Counts an attempt against its endpoint, and disables a v3.20 endpoint that answered 410 or has failed for
    /// longer than the completion's limit, telling the app's other endpoints (SPEC §11).
    private static func recordHealth(
        _ db: Database,
        endpointID: EndpointID,
        appID: AppID,
        _ completion: AttemptCompletion
    ) throws {
        let attempt = completion.attempt
        let succeeded = completion.status == .succeeded
        try db.cachedStatement(
            sql: """
                UPDATE webhook_endpoints SET
                    total_deliveries = total_deliveries + 1, total_failures = total_failures + (NOT ?1),
                    last_delivery_at = ?2, last_delivery_status = CASE WHEN ?1 THEN 'SUCCEEDED' ELSE 'FAILED' END,
                    failure_count = CASE WHEN ?1 THEN 0 ELSE failure_count + 1 END,
                    failing_since = CASE WHEN ?1 THEN NULL ELSE coalesce(failing_since, ?2) END
                WHERE id = ?3
                """
        ).execute(arguments: [succeeded, attempt.startedAt, endpointID])
        guard !succeeded else { return }
        let gone = attempt.httpStatus == 410
        let disabled = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    UPDATE webhook_endpoints
                    SET status = 'DISABLED', disabled_reason = CASE WHEN ?1 THEN 'GONE' ELSE 'FAILING' END,
                        updated_at = ?2
                    WHERE id = ?3 AND format = 'V3_20' AND status = 'ACTIVE' AND deleted_at IS NULL
                      AND (?1 OR failing_since <= ?4)
                    RETURNING url, disabled_reason
                    """
            ),
            arguments: [gone, attempt.startedAt.unixSeconds, endpointID, completion.endpointFailingLimit]
        )
        guard let disabled, let reason = EndpointDisabledReason(rawValue: disabled["disabled_reason"]) else { return }
        _ = try insert(
            EndpointDisabledNotice(
                endpointID: endpointID,
                url: disabled["url"],
                reason: reason,
                at: attempt.startedAt
            ).event(appID: appID),
            // Notices go to v3.20 endpoints alone.
            attemptsAllowed: AttemptsAllowed(
                v3URL: completion.noticeAttemptsAllowed,
                endpoint: completion.noticeAttemptsAllowed
            ),
            now: attempt.startedAt,
            lease: nil,
            db
        )
    }

    public func nextDueTime(caps: ClaimCaps) async throws -> UnixMillis? {
        try await pool.read { db in
            try UnixMillis.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT min(t) FROM (
                            SELECT CASE WHEN w.rate_limit IS NULL THEN q.ready_at
                                   ELSE max(q.ready_at, CAST(q.rate_tat - 1000 + 1000.0 / w.rate_limit + 0.999 AS INTEGER))
                                   END AS t
                            FROM delivery_queues q
                            JOIN webhook_endpoints w ON w.id = q.endpoint_id AND \(Self.sendable)
                            JOIN apps a ON a.id = q.app_id AND a.status = '\(AppStatus.active.rawValue)'
                            WHERE q.ready_at IS NOT NULL
                              AND (SELECT count(*) FROM deliveries l INDEXED BY deliveries_leased
                                   WHERE l.endpoint_id = q.endpoint_id AND l.lease_id IS NOT NULL) < ?1
                              AND (SELECT count(*) FROM deliveries l INDEXED BY deliveries_leased_by_app
                                   WHERE l.app_id = q.app_id AND l.lease_id IS NOT NULL) < ?2
                            UNION ALL
                            SELECT d.locked_until FROM deliveries d INDEXED BY deliveries_leased
                            JOIN webhook_endpoints w ON w.id = d.endpoint_id AND \(Self.sendable)
                            WHERE d.lease_id IS NOT NULL
                        )
                        """
                ),
                arguments: [caps.perEndpoint, caps.perApp]
            )
        }
    }

    public func sendingStates(endpointIDs: Set<EndpointID>) async throws -> [EndpointID: EndpointSendingState] {
        try await pool.read { db in
            var states: [EndpointID: EndpointSendingState] = [:]
            let read = try db.cachedStatement(
                sql: """
                    SELECT w.url, w.sealed_secret, w.secret_version, w.format, w.sealed_headers, w.previous_sealed_secret,
                           w.previous_secret_until, w.status, w.deleted_at, a.status AS app_status, a.business_id,
                           a.environment
                    FROM webhook_endpoints w JOIN apps a ON a.id = w.app_id
                    WHERE w.id = ?
                    """
            )
            for id in endpointIDs {
                guard let row = try Row.fetchOne(read, arguments: [id]) else {
                    states[id] = .gone
                    continue
                }
                states[id] = try Self.sendingState(from: row)
            }
            return states
        }
    }

    /// What an endpoint's row, joined to its app's (`app_status`, `business_id`, `environment`), allows now.
    private static func sendingState(from row: Row) throws -> EndpointSendingState {
        guard (row["deleted_at"] as Int64?) == nil else { return .gone }
        guard row["status"] == EndpointStatus.active.rawValue, row["app_status"] == AppStatus.active.rawValue,
            let url: String = row["url"], let sealedSecret = row["sealed_secret"] as Data?
        else { return .held }
        guard let format = Endpoint.Format(rawValue: row["format"]),
            let environment = AppEnvironment(rawValue: row["environment"])
        else { throw StoreError.corruptRow(table: "webhook_endpoints") }
        return .sendable(
            DeliveryTarget(
                url: url,
                sealedSecret: Array(sealedSecret),
                secretVersion: row["secret_version"],
                format: format,
                sealedHeaders: (row["sealed_headers"] as Data?).map(Array.init),
                previousSealedSecret: (row["previous_sealed_secret"] as Data?).map(Array.init),
                previousSecretUntil: row["previous_secret_until"],
                businessID: row["business_id"],
                environment: environment
            )
        )
    }

    public func releaseUnsent(_ claims: [ClaimedDelivery]) async throws {
        try await pool.write { db in
            let release = try db.cachedStatement(
                sql: """
                    UPDATE deliveries SET locked_until = NULL, lease_id = NULL
                    WHERE id = ? AND lease_id = ? AND status = 'PENDING'
                    RETURNING endpoint_id, app_id, next_attempt_at
                    """
            )
            for claim in claims {
                guard let row = try Row.fetchOne(release, arguments: [claim.id, claim.leaseID]) else { continue }
                try Self.markEndpointReady(
                    db,
                    endpointID: row["endpoint_id"],
                    appID: row["app_id"],
                    at: row["next_attempt_at"]
                )
            }
        }
    }

    public func releaseAllLeases() async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE deliveries INDEXED BY deliveries_leased SET locked_until = NULL, lease_id = NULL
                    WHERE lease_id IS NOT NULL
                    """
            )
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO delivery_queues (endpoint_id, app_id)
                    SELECT DISTINCT endpoint_id, app_id FROM deliveries WHERE status = 'PENDING';
                    UPDATE delivery_queues SET ready_at = (
                        SELECT min(next_attempt_at) FROM deliveries INDEXED BY deliveries_ready
                        WHERE endpoint_id = delivery_queues.endpoint_id AND status = 'PENDING' AND lease_id IS NULL);
                    """
            )
        }
    }

    public func dispatchersSharingQueue(id: DispatcherID, now: UnixMillis, aliveSince: UnixMillis) async throws -> Int {
        1
    }

    public func leaveQueue(dispatcherID id: DispatcherID) async throws {}

    public var isSharedAcrossProcesses: Bool { false }

    public func listenForPublishes(_ wake: @escaping @Sendable () -> Void) async throws {}
}
