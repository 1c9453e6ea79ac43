public import HookdCore
import PostgresNIO

extension PostgresStore: RetentionStore {
    /// One statement: the batch's rows are locked (rows another purge holds are skipped), their attempts and the
    /// deliveries go together, and so do their events unless another delivery of the event (to another endpoint)
    /// is kept; the foreign keys are checked at its end.
    public func purgeFinishedDeliveries(createdBefore: UnixMillis, limit: Int) async throws -> Int {
        try await rows(
            """
            WITH doomed AS (
                SELECT id FROM deliveries
                WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELLED') AND created_at < \(createdBefore)
                ORDER BY created_at LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            ), attempts AS (
                DELETE FROM delivery_attempts a USING doomed WHERE a.delivery_id = doomed.id
            ), gone AS (
                DELETE FROM deliveries d USING doomed
                WHERE d.id = doomed.id AND d.status IN ('SUCCEEDED', 'FAILED', 'CANCELLED')
                RETURNING d.app_id, d.event_id
            ), events AS (
                DELETE FROM events e USING gone WHERE e.app_id = gone.app_id AND e.event_id = gone.event_id
                  AND NOT EXISTS (SELECT 1 FROM deliveries k WHERE k.app_id = e.app_id AND k.event_id = e.event_id
                                    AND k.id NOT IN (SELECT id FROM doomed))
            )
            SELECT count(*) FROM gone
            """
        ).first.map { row in try row.decode(Int.self) } ?? 0
    }

    public func purgeExpired(now: UnixMillis, idempotencyKeysBefore: UnixSeconds) async throws {
        try await execute("DELETE FROM revoked_tokens WHERE expires_at < \(now.unixSeconds)")
        try await execute("DELETE FROM idempotency_keys WHERE created_at < \(idempotencyKeysBefore)")
        // The line of an ordering key with nothing unsettled holds nothing (SPEC §15); a publish makes it anew. A
        // publish holding the row's lock makes the delete look again, and keep a row it counted in.
        try await execute("DELETE FROM ordering_lines WHERE unsettled = 0")
        // A rate limit whose next unit was due more than an hour ago grants a full burst either way.
        try await execute("DELETE FROM rate_limits WHERE theoretical_arrival_ms < \(now - .seconds(3_600))")
    }
}
