import GRDB
public import HookdCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
public import Foundation
#endif

extension SQLiteStore: DeliveryLog {
    public func deliveries(
        appID: String,
        endpointID: String?,
        status: DeliveryStatus?,
        event: String?,
        eventID: String?,
        limit: Int,
        offset: Int
    ) async throws -> (items: [DeliverySummary], total: Int) {
        try await pool.read { db in
            let filter = """
                app_id = ? AND (? IS NULL OR endpoint_id = ?) AND (? IS NULL OR status = ?) AND (? IS NULL OR event = ?)
                  AND (? IS NULL OR event_id = ?)
                """
            let arguments: StatementArguments = [
                appID, endpointID, endpointID, status?.rawValue, status?.rawValue, event, event, eventID, eventID,
            ]
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
                    responseBody: Array(row["response_body"] as Data),
                    requestHeaders: SentHeader.parse(lines: row["request_headers"])
                )
            }
            return DeliveryDetail(summary: summary, data: Array(data), attempts: attempts)
        }
    }

    public func requeueDelivery(
        appID: String,
        id: String,
        now: UnixMillis,
        maximumManualRetries: Int
    ) async throws -> RequeueOutcome {
        try await pool.write { db in
            let requeued = try Row.fetchOne(
                db,
                sql: """
                    UPDATE deliveries
                    SET status = 'PENDING', next_attempt_at = ?, attempts_allowed = max(attempts_allowed, attempts + 1),
                        manual_retries = manual_retries + 1
                    WHERE id = ? AND app_id = ? AND manual_retries < ? AND status <> 'CANCELLED' RETURNING *
                    """,
                arguments: [now, id, appID, maximumManualRetries]
            ).map(Self.summary(from:))
            if let requeued {
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
            createdAt: row["created_at"]
        )
    }
}
