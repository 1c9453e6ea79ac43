import GRDB
import HookdCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension SQLiteStore {
    public func publish(
        _ event: NewEvent,
        attemptsAllowed: Int,
        now: Int64,
        lease: (id: String, until: Int64)?
    ) async throws -> (deliveryID: String, created: Bool) {
        try await pool.write { db in
            try Self.insert(event, attemptsAllowed: attemptsAllowed, now: now, lease: lease, db)
        }
    }

    public func publishAll(_ events: [NewEvent], attemptsAllowed: Int, now: Int64) async throws -> [PublishOutcome] {
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
        now: Int64,
        lease: (id: String, until: Int64)?,
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
        return (deliveryID, true)
    }

    public func claimDueDeliveries(limit: Int, now: Int64, leaseUntil: Int64) async throws -> [ClaimedDelivery] {
        let leaseID = Identifiers.leaseID()
        return try await pool.write { db in
            try db.cachedStatement(
                sql: """
                    UPDATE deliveries SET locked_until = ?, lease_id = ?
                    WHERE id IN (
                        SELECT d.id FROM deliveries d
                        JOIN webhook_endpoints w ON w.app_id = d.app_id AND w.url IS NOT NULL
                        WHERE d.status = 'PENDING' AND d.next_attempt_at <= ?
                          AND (d.locked_until IS NULL OR d.locked_until <= ?)
                        ORDER BY d.next_attempt_at
                        LIMIT ?)
                    """
            ).execute(
                arguments: [leaseUntil, leaseID, now, now, limit]
            )
            guard db.changesCount > 0 else { return [] }
            return try Self.claims(db, leaseID: leaseID, deliveryID: nil)
        }
    }

    public func claimedDelivery(id: String, leaseID: String) async throws -> ClaimedDelivery? {
        try await pool.read { db in try Self.claims(db, leaseID: leaseID, deliveryID: id).first }
    }

    private static func claims(_ db: Database, leaseID: String, deliveryID: String?) throws -> [ClaimedDelivery] {
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT d.id, d.app_id, d.event_id, d.event, d.attempts, d.attempts_allowed, e.data, w.url,
                           w.sealed_secret, w.secret_version
                    FROM deliveries d
                    JOIN events e ON e.app_id = d.app_id AND e.event_id = d.event_id
                    JOIN webhook_endpoints w ON w.app_id = d.app_id
                    WHERE d.lease_id = ? AND (? IS NULL OR d.id = ?)
                      AND w.url IS NOT NULL AND w.sealed_secret IS NOT NULL
                    """
            ),
            arguments: [leaseID, deliveryID, deliveryID]
        )
        return rows.map { row in
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
        try db.cachedStatement(
            sql: """
                UPDATE deliveries
                SET status = ?, attempts = ?, next_attempt_at = ?, locked_until = NULL, lease_id = NULL,
                    last_attempt_at = ?, last_http_status = ?
                WHERE id = ? AND lease_id = ?
                """
        ).execute(
            arguments: [
                completion.status.rawValue, attempt.number, completion.nextAttemptAt, attempt.startedAt,
                attempt.httpStatus, completion.deliveryID, completion.leaseID,
            ]
        )
        guard db.changesCount == 1 else { return false }
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

    public func nextDueTime() async throws -> Int64? {
        try await pool.read { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT min(max(d.next_attempt_at, coalesce(d.locked_until, 0))) FROM deliveries d
                    JOIN webhook_endpoints w ON w.app_id = d.app_id AND w.url IS NOT NULL
                    WHERE d.status = 'PENDING'
                    """
            )
        }
    }

    public func releaseAllLeases() async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE deliveries SET locked_until = NULL, lease_id = NULL WHERE lease_id IS NOT NULL")
        }
    }

    public func deliveries(
        appID: String,
        status: DeliveryStatus?,
        event: String?,
        limit: Int,
        offset: Int
    ) async throws -> (items: [DeliverySummary], total: Int) {
        try await pool.read { db in
            let filter = "app_id = ? AND (? IS NULL OR status = ?) AND (? IS NULL OR event = ?)"
            let arguments: StatementArguments = [appID, status?.rawValue, status?.rawValue, event, event]
            let total =
                try Int.fetchOne(db, sql: "SELECT count(*) FROM deliveries WHERE \(filter)", arguments: arguments) ?? 0
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT * FROM deliveries WHERE \(filter) ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?",
                arguments: arguments + [limit, offset]
            )
            return (try rows.map(Self.summary(from:)), total)
        }
    }

    public func delivery(appID: String, id: String) async throws -> DeliveryDetail? {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT * FROM deliveries WHERE id = ? AND app_id = ?",
                    arguments: [id, appID]
                )
            else { return nil }
            let summary = try Self.summary(from: row)
            let data =
                try Data.fetchOne(
                    db,
                    sql: "SELECT data FROM events WHERE app_id = ? AND event_id = ?",
                    arguments: [appID, summary.eventID]
                ) ?? Data()
            let attempts = try Row.fetchAll(
                db,
                sql: "SELECT * FROM delivery_attempts WHERE delivery_id = ? ORDER BY number",
                arguments: [id]
            ).map { row in
                DeliveryAttempt(
                    number: row["number"],
                    startedAt: row["started_at"],
                    latencyMillis: row["latency_ms"],
                    httpStatus: row["http_status"],
                    error: row["error"],
                    responseBody: Array(row["response_body"] as Data)
                )
            }
            return DeliveryDetail(summary: summary, data: Array(data), attempts: attempts)
        }
    }

    public func requeueDelivery(appID: String, id: String, now: Int64) async throws -> DeliverySummary? {
        try await pool.write { db in
            try Row.fetchOne(
                db,
                sql: """
                    UPDATE deliveries
                    SET status = 'PENDING', next_attempt_at = ?, attempts_allowed = max(attempts_allowed, attempts + 1)
                    WHERE id = ? AND app_id = ? RETURNING *
                    """,
                arguments: [now, id, appID]
            ).map(Self.summary(from:))
        }
    }

    private static func summary(from row: Row) throws -> DeliverySummary {
        guard let status = DeliveryStatus(rawValue: row["status"]) else {
            throw StoreError.corruptRow(table: "deliveries")
        }
        return DeliverySummary(
            id: row["id"],
            appID: row["app_id"],
            eventID: row["event_id"],
            event: row["event"],
            status: status,
            attempts: row["attempts"],
            attemptsAllowed: row["attempts_allowed"],
            lastAttemptAt: row["last_attempt_at"],
            nextAttemptAt: status == .pending ? row["next_attempt_at"] : nil,
            lastHTTPStatus: row["last_http_status"],
            isTest: row["is_test"],
            createdAt: row["created_at"]
        )
    }
}
