/// Forgetting what is old: finished deliveries past the retention period, and what has expired.
public protocol RetentionStore: Sendable {
    /// Deletes up to `limit` finished (succeeded or failed) deliveries created before `createdBefore` (Unix
    /// milliseconds), with their attempts and their events, in one short transaction. Pending deliveries are kept
    /// whatever their age.
    /// - Returns: how many deliveries were deleted; fewer than `limit` means none is left to delete.
    func purgeFinishedDeliveries(createdBefore: Int64, limit: Int) async throws -> Int

    /// Forgets what has expired by `now` (Unix milliseconds): revocations past their end, idempotency keys older than
    /// `idempotencyKeysBefore`, and rate limits untouched for an hour.
    func purgeExpired(now: Int64, idempotencyKeysBefore: Int64) async throws
}
