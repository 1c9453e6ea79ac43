import GRDB
public import HookdCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
public import Foundation
#endif

// Claiming due deliveries in their fair turn, and reading a claim back: the claim half of ``DeliveryQueue``.

extension SQLiteStore {
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
                           w.previous_secret_until, a.business_id, a.environment, e.trace_parent
                    FROM deliveries d
                    JOIN events e ON e.app_id = d.app_id AND e.event_id = d.event_id
                    JOIN webhook_endpoints w ON w.id = d.endpoint_id
                    JOIN apps a ON a.id = d.app_id
                    WHERE d.id = ? AND d.lease_id = ? AND \(sendable)
                    """
            ),
            arguments: [id, leaseID]
        ).map { row in
            ClaimedDelivery(
                id: row["id"],
                appID: row["app_id"],
                eventID: row["event_id"],
                event: row["event"],
                data: Array(row["data"] as Data),
                attempts: row["attempts"],
                attemptsAllowed: row["attempts_allowed"],
                leaseID: leaseID,
                endpointID: row["endpoint_id"],
                target: try Self.target(from: row, url: row["url"], sealedSecret: row["sealed_secret"]),
                traceParent: row["trace_parent"]
            )
        }
    }
}
