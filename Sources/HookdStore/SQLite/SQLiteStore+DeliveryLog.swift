import GRDB
public import HookdCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
public import Foundation
#endif

extension SQLiteStore: DeliveryLog {
    public func deliveryPage(
        appID: AppID,
        filter: DeliveryFilter,
        limit: Int,
        from position: DeliveryLogPosition,
        countingUpTo countLimit: Int?
    ) async throws -> DeliveryPage {
        try await pool.read { db in
            let matching = """
                app_id = ? AND (? IS NULL OR endpoint_id = ?) AND (? IS NULL OR status = ?) AND (? IS NULL OR event = ?)
                  AND (? IS NULL OR event_id = ?)
                """
            let arguments: StatementArguments = [
                appID, filter.endpointID, filter.endpointID, filter.status?.rawValue, filter.status?.rawValue,
                filter.event, filter.event, filter.eventID, filter.eventID,
            ]
            // A count that stops at `countLimit` rows: its cost is bounded whatever the log holds.
            let total = try countLimit.map { countLimit in
                try Int.fetchOne(
                    db,
                    sql: "SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE \(matching) LIMIT ?)",
                    arguments: arguments + [countLimit]
                ) ?? 0
            }
            // One row past the page says whether there is more. A cursor reads from its place in the index on
            // (created_at DESC, rowid); an offset walks past that many rows first.
            let rows: [Row]
            switch position {
            case .offset(let offset):
                rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT rowid AS log_sequence, * FROM deliveries WHERE \(matching)
                        ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?
                        """,
                    arguments: arguments + [limit + 1, offset]
                )
            case .after(let cursor):
                rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT rowid AS log_sequence, * FROM deliveries WHERE \(matching)
                          AND created_at <= ? AND (created_at < ? OR rowid < ?)
                        ORDER BY created_at DESC, rowid DESC LIMIT ?
                        """,
                    arguments: arguments + [cursor.createdAt, cursor.createdAt, cursor.sequence, limit + 1]
                )
            }
            return try DeliveryPage(rows: rows, limit: limit, total: total, summary: Self.summary(from:)) { row in
                DeliveryCursor(createdAt: row["created_at"], sequence: row["log_sequence"])
            }
        }
    }

    public func delivery(appID: AppID, id: DeliveryID) async throws -> DeliveryDetail? {
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
                    latency: .milliseconds(row["latency_ms"] as Int64),
                    httpStatus: row["http_status"],
                    error: row["error"],
                    responseBody: Array(row["response_body"] as Data),
                    requestHeaders: SentHeader.parse(lines: row["request_headers"])
                )
            }
            return DeliveryDetail(summary: summary, data: Array(data), attempts: attempts)
        }
    }

    public func requeueDelivery(
        appID: AppID,
        id: DeliveryID,
        now: UnixMillis,
        maximumManualRetries: Int
    ) async throws -> RequeueOutcome {
        try await pool.write { db in
            // A keyed delivery that had settled joins its line again, waiting, if its endpoint still keeps order
            // (and leaves it, unkeyed, if not); one still in its line keeps its place (SPEC §15).
            let line = try Row.fetchOne(
                db,
                sql: """
                    SELECT d.ordering_key, d.status <> 'PENDING' AS settled, w.ordering = 'KEYED' AS keyed
                    FROM deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
                    WHERE d.id = ? AND d.app_id = ? AND d.ordering_key IS NOT NULL
                    """,
                arguments: [id, appID]
            )
            let key: String? = line?["ordering_key"]
            let rejoins = line.map { $0["settled"] && $0["keyed"] } ?? false
            let leaves = line.map { $0["settled"] && !$0["keyed"] } ?? false
            let requeued = try Row.fetchOne(
                db,
                sql: """
                    UPDATE deliveries
                    SET status = 'PENDING',
                        next_attempt_at = CASE WHEN ?5 OR (status = 'PENDING' AND next_attempt_at IS NULL
                                                           AND ordering_key IS NOT NULL) THEN NULL ELSE ?1 END,
                        ordering_key = CASE WHEN ?6 THEN NULL ELSE ordering_key END,
                        attempts_allowed = max(attempts_allowed, attempts + 1), manual_retries = manual_retries + 1
                    WHERE id = ?2 AND app_id = ?3 AND manual_retries < ?4 AND status <> 'CANCELLED' RETURNING *
                    """,
                arguments: [now, id, appID, maximumManualRetries, rejoins, leaves]
            ).map(Self.summary(from:))
            if var requeued {
                if rejoins, let key {
                    try Self.rejoinLine(
                        db,
                        endpointID: requeued.endpointID,
                        appID: appID,
                        key: key,
                        count: 1,
                        now: now
                    )
                    // Rejoining may have let it go at once: the answer says what is stored.
                    requeued.nextAttemptAt = try UnixMillis.fetchOne(
                        db,
                        sql: "SELECT next_attempt_at FROM deliveries WHERE id = ?",
                        arguments: [id]
                    )
                }
                try Self.markEndpointReady(db, endpointID: requeued.endpointID, appID: appID, at: now)
                return .requeued(requeued)
            }
            // A cancelled delivery's endpoint is gone: there is nothing to retry it to.
            let exists = try Bool.fetchOne(
                db,
                sql: "SELECT 1 FROM deliveries WHERE id = ? AND app_id = ? AND status <> 'CANCELLED'",
                arguments: [id, appID]
            )
            return exists == true ? .limitReached : .notFound
        }
    }

    private static func summary(from row: Row) throws -> DeliverySummary {
        guard let status = DeliveryStatus(rawValue: row["status"]) else {
            throw StoreError.corruptRow(table: "deliveries")
        }
        return DeliverySummary(
            id: row["id"],
            appID: row["app_id"],
            endpointID: row["endpoint_id"],
            eventID: row["event_id"],
            event: row["event"],
            status: status,
            attempts: row["attempts"],
            attemptsAllowed: row["attempts_allowed"],
            lastAttemptAt: row["last_attempt_at"],
            nextAttemptAt: status == .pending ? row["next_attempt_at"] : nil,
            lastHTTPStatus: row["last_http_status"],
            isTest: row["is_test"],
            createdAt: row["created_at"],
            orderingKey: row["ordering_key"]
        )
    }
}
