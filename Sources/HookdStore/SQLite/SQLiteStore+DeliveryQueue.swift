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
        attemptsAllowed: Int,
        now: UnixMillis,
        lease: (id: String, until: UnixMillis)?
    ) async throws -> (deliveryID: String, created: Bool) {
        try await pool.write { db in
            try Self.insert(event, attemptsAllowed: attemptsAllowed, now: now, lease: lease, db)
        }
    }

    public func publishAll(
        _ events: [NewEvent],
        attemptsAllowed: Int,
        now: UnixMillis
    ) async throws -> [PublishOutcome] {
        try await pool.write { db in
            try events.map { event in
                try Self.insert(event, attemptsAllowed: attemptsAllowed, now: now, lease: nil, db)
            }
        }
    }

    /// Writes one event and its delivery, or nothing when the event exists already (the first one stands).
    private static func insert(
        _ event: NewEvent,
        attemptsAllowed: Int,
        now: UnixMillis,
        lease: (id: String, until: UnixMillis)?,
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
            let existing = try String.fetchOne(
                db,
                sql: "SELECT id FROM deliveries WHERE app_id = ? AND event_id = ?",
                arguments: [event.appID, event.eventID]
            )
            return (existing ?? "", false)
        }
        let deliveryID = Identifiers.deliveryID()
        try db.cachedStatement(
            sql: """
                INSERT INTO deliveries
                    (id, app_id, event_id, event, status, attempts, attempts_allowed, next_attempt_at,
                     locked_until, lease_id, is_test, created_at)
                VALUES (?, ?, ?, ?, 'PENDING', 0, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                deliveryID, event.appID, event.eventID, event.event, attemptsAllowed, now, lease?.until, lease?.id,
                event.isTest, now,
            ]
        )
        if lease == nil {
            try Self.markReady(db, appID: event.appID, at: now)
        }
        return (deliveryID, true)
    }

    public func claimDueDeliveries(
        limit: Int,
        perAppLimit: Int,
        now: UnixMillis,
        leaseUntil: UnixMillis
    ) async throws -> [ClaimedDelivery] {
        let leaseID = Identifiers.leaseID()
        // One write transaction, and SQLite has one writer: nothing changes between reading the queues and leasing.
        return try await pool.write { db in
            try Self.releaseExpiredLeases(db, now: now)
            let apps = try Self.readyApps(db, limit: limit, perAppLimit: perAppLimit, now: now)
            guard !apps.isEmpty else { return [] }
            let due = try apps.map { app in
                try String.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT id FROM deliveries INDEXED BY deliveries_ready
                            WHERE app_id = ? AND status = 'PENDING' AND lease_id IS NULL AND next_attempt_at <= ?
                            ORDER BY next_attempt_at LIMIT ?
                            """
                    ),
                    arguments: [app.id, now, min(app.room, limit)]
                )
            }
            let chosen = FairShare.takeInTurn(due, limit: limit)
            let lease = try db.cachedStatement(sql: "UPDATE deliveries SET locked_until = ?, lease_id = ? WHERE id = ?")
            for id in chosen {
                try lease.execute(arguments: [leaseUntil, leaseID, id])
            }
            let taken = Set(chosen)
            let served = Set(zip(apps, due).filter { _, due in due.contains(where: taken.contains) }.map(\.0.id))
            for app in apps {
                try Self.settle(db, appID: app.id, servedAt: served.contains(app.id) ? now : nil)
            }
            return try chosen.compactMap { id in try Self.claim(db, id: id, leaseID: leaseID) }
        }
    }

    /// The apps a claim may take from, least recently served first: due work, a URL and a secret, and fewer than
    /// `perAppLimit` deliveries leased; with the room each has left.
    private static func readyApps(
        _ db: Database,
        limit: Int,
        perAppLimit: Int,
        now: UnixMillis
    ) throws -> [(id: String, room: Int)] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT app_id, leased FROM (
                        SELECT q.app_id, q.served_at,
                               (SELECT count(*) FROM deliveries l INDEXED BY deliveries_leased
                                WHERE l.app_id = q.app_id AND l.lease_id IS NOT NULL) AS leased
                        FROM delivery_queues q
                        JOIN webhook_endpoints w
                          ON w.app_id = q.app_id AND w.url IS NOT NULL AND w.sealed_secret IS NOT NULL
                        WHERE q.ready_at <= ?
                    )
                    WHERE leased < ?
                    ORDER BY served_at, app_id
                    LIMIT ?
                    """
            ),
            arguments: [now, perAppLimit, limit]
        ).map { row in (id: row["app_id"], room: perAppLimit - (row["leased"] as Int)) }
    }

    /// Sets an app's queue to the earliest due time of its pending deliveries no one holds, and marks it served.
    private static func settle(_ db: Database, appID: String, servedAt: UnixMillis?) throws {
        try db.cachedStatement(
            sql: """
                UPDATE delivery_queues
                SET ready_at = (SELECT min(next_attempt_at) FROM deliveries INDEXED BY deliveries_ready
                                WHERE app_id = ?1 AND status = 'PENDING' AND lease_id IS NULL),
                    served_at = coalesce(?2, served_at)
                WHERE app_id = ?1
                """
        ).execute(arguments: [appID, servedAt])
    }

    /// Lowers an app's queue to `at` (creating it): one of its deliveries is pending, due then, and held by no one.
    static func markReady(_ db: Database, appID: String, at: UnixMillis) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO delivery_queues (app_id, ready_at) VALUES (?, ?)
                ON CONFLICT (app_id) DO UPDATE
                    SET ready_at = min(coalesce(ready_at, excluded.ready_at), excluded.ready_at)
                """
        ).execute(arguments: [appID, at])
    }

    /// Releases the leases that ran out (a dispatcher died mid-attempt, or its record never came): each costs a
    /// retry, not a delivery.
    private static func releaseExpiredLeases(_ db: Database, now: UnixMillis) throws {
        let released = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    UPDATE deliveries INDEXED BY deliveries_leased SET locked_until = NULL, lease_id = NULL
                    WHERE lease_id IS NOT NULL AND locked_until <= ?
                    RETURNING app_id, next_attempt_at
                    """
            ),
            arguments: [now]
        )
        for row in released {
            try markReady(db, appID: row["app_id"], at: row["next_attempt_at"])
        }
    }

    public func claimedDelivery(id: String, leaseID: String) async throws -> ClaimedDelivery? {
        try await pool.read { db in try Self.claim(db, id: id, leaseID: leaseID) }
    }

    /// Delivery `id` with what sending it needs, if `leaseID` holds it and its app has a URL and a secret.
    private static func claim(_ db: Database, id: String, leaseID: String) throws -> ClaimedDelivery? {
        try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT d.id, d.app_id, d.event_id, d.event, d.attempts, d.attempts_allowed, e.data, w.url,
                           w.sealed_secret, w.secret_version
                    FROM deliveries d
                    JOIN events e ON e.app_id = d.app_id AND e.event_id = d.event_id
                    JOIN webhook_endpoints w ON w.app_id = d.app_id
                    WHERE d.id = ? AND d.lease_id = ? AND w.url IS NOT NULL AND w.sealed_secret IS NOT NULL
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
                url: row["url"],
                sealedSecret: Array(row["sealed_secret"] as Data),
                secretVersion: row["secret_version"],
                leaseID: leaseID
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
            let appID = try String.fetchOne(
                db.cachedStatement(
                    sql: """
                        UPDATE deliveries
                        SET status = ?, attempts = ?, next_attempt_at = ?, locked_until = NULL, lease_id = NULL,
                            last_attempt_at = ?, last_http_status = ?,
                            attempts_allowed = attempts_allowed + CASE WHEN ? THEN 1 ELSE 0 END
                        WHERE id = ? AND lease_id = ?
                        RETURNING app_id
                        """
                ),
                arguments: [
                    completion.status.rawValue, attempt.number, completion.nextAttemptAt, attempt.startedAt,
                    attempt.httpStatus, completion.allowsAnotherAttempt, completion.deliveryID,
                    completion.leaseID,
                ]
            )
        else { return false }
        if completion.status == .pending, let next = completion.nextAttemptAt {
            try markReady(db, appID: appID, at: next)
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO delivery_attempts
                    (delivery_id, number, started_at, latency_ms, http_status, error, response_body, secret_version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (delivery_id, number) DO NOTHING
                """
        ).execute(
            arguments: [
                completion.deliveryID, attempt.number, attempt.startedAt, attempt.latencyMillis, attempt.httpStatus,
                attempt.error, Data(attempt.responseBody), completion.secretVersion,
            ]
        )
        return true
    }

    public func nextDueTime(perAppLimit: Int) async throws -> UnixMillis? {
        try await pool.read { db in
            try UnixMillis.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT min(t) FROM (
                            SELECT q.ready_at AS t FROM delivery_queues q
                            JOIN webhook_endpoints w
                              ON w.app_id = q.app_id AND w.url IS NOT NULL AND w.sealed_secret IS NOT NULL
                            WHERE q.ready_at IS NOT NULL
                              AND (SELECT count(*) FROM deliveries l INDEXED BY deliveries_leased
                                   WHERE l.app_id = q.app_id AND l.lease_id IS NOT NULL) < ?
                            UNION ALL
                            SELECT d.locked_until FROM deliveries d INDEXED BY deliveries_leased
                            JOIN webhook_endpoints w
                              ON w.app_id = d.app_id AND w.url IS NOT NULL AND w.sealed_secret IS NOT NULL
                            WHERE d.lease_id IS NOT NULL
                        )
                        """
                ),
                arguments: [perAppLimit]
            )
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
                    INSERT OR IGNORE INTO delivery_queues (app_id) SELECT DISTINCT app_id FROM deliveries
                    WHERE status = 'PENDING';
                    UPDATE delivery_queues SET ready_at = (
                        SELECT min(next_attempt_at) FROM deliveries INDEXED BY deliveries_ready
                        WHERE app_id = delivery_queues.app_id AND status = 'PENDING' AND lease_id IS NULL);
                    """
            )
        }
    }

    public var isSharedAcrossProcesses: Bool { false }

    public func listenForPublishes(_ wake: @escaping @Sendable () -> Void) async throws {}
}
