import GRDB
public import HookdCore

extension SQLiteStore: RetentionStore {
    public func purgeFinishedDeliveries(createdBefore: UnixMillis, limit: Int) async throws -> Int {
        try await pool.write { db in
            let doomed = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT id, app_id, event_id FROM deliveries INDEXED BY deliveries_finished
                        WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELLED') AND created_at < ?
                        ORDER BY created_at LIMIT ?
                        """
                ),
                arguments: [createdBefore, limit]
            )
            let attempts = try db.cachedStatement(sql: "DELETE FROM delivery_attempts WHERE delivery_id = ?")
            let delivery = try db.cachedStatement(sql: "DELETE FROM deliveries WHERE id = ?")
            let event = try db.cachedStatement(
                sql: """
                    DELETE FROM events WHERE app_id = ?1 AND event_id = ?2
                      AND NOT EXISTS (SELECT 1 FROM deliveries WHERE app_id = ?1 AND event_id = ?2)
                    """
            )
            for row in doomed {
                let id: DeliveryID = row["id"]
                try attempts.execute(arguments: [id])
                try delivery.execute(arguments: [id])
                try event.execute(arguments: [row["app_id"], row["event_id"]])
            }
            return doomed.count
        }
    }

    public func purgeExpired(now: UnixMillis, idempotencyKeysBefore: UnixSeconds) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM revoked_tokens WHERE expires_at < ?", arguments: [now.unixSeconds])
            try db.execute(sql: "DELETE FROM idempotency_keys WHERE created_at < ?", arguments: [idempotencyKeysBefore])
            // The line of an ordering key with nothing unsettled holds nothing (SPEC §15); a publish makes it anew.
            try db.execute(sql: "DELETE FROM ordering_lines WHERE unsettled = 0")
            // A rate limit whose next unit was due more than an hour ago grants a full burst either way.
            try db.execute(
                sql: "DELETE FROM rate_limits WHERE theoretical_arrival_ms < ?",
                arguments: [now - .seconds(3_600)]
            )
        }
    }
}
