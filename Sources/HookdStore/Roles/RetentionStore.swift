public import HookdCore

/// Forgetting what is old: finished deliveries past the retention period, and what has expired.
public protocol RetentionStore: Sendable {
    /// Deletes up to `limit` finished (succeeded, failed or cancelled) deliveries created before `createdBefore`, with their
    /// attempts and their events, in one short transaction. Pending deliveries are kept whatever their age.
    /// - Returns: how many deliveries were deleted; fewer than `limit` means none is left to delete.
    func purgeFinishedDeliveries(createdBefore: UnixMillis, limit: Int) async throws -> Int

    /// Forgets what has expired by `now`: revocations past their end, idempotency keys stored before
    /// `idempotencyKeysBefore`, and rate limits untouched for an hour.
    func purgeExpired(now: UnixMillis, idempotencyKeysBefore: UnixSeconds) async throws
}
