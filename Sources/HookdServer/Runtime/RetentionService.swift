import HookdCore
import HookdDelivery
import HookdStore
import Logging
import ServiceLifecycle

/// Deletes finished deliveries (with their attempts and events) once they are older than the retention period, and
/// what has expired (revocations, idempotency keys, idle rate limits), in small batches so no write waits long.
///
/// Pending deliveries are never deleted, whatever their age: an app whose URL is disabled keeps its deliveries
/// until it sets one again. On PostgreSQL every dispatching node runs it; concurrent batches skip each other's rows.
struct RetentionService: Service {
    let store: any RetentionStore
    let clock: any WallClock
    /// How long finished deliveries are kept.
    let retention: Duration
    /// How long idempotency keys are kept.
    let idempotencyWindow: Duration
    let logger: Logger
    /// How often it looks for what to delete.
    var interval: Duration = .seconds(60)
    /// Deliveries deleted per transaction at most.
    var batchSize = 500

    func run() async throws {
        // Shutdown cancels the wait between sweeps (or a sweep between two batches): that is the normal end.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await sweep()
                try await Task.sleep(for: interval)
            }
        }
    }

    /// One pass: what has expired, then finished deliveries older than the retention period, a batch at a time
    /// until none is left. - Returns: how many deliveries were deleted.
    @discardableResult
    func sweep() async -> Int {
        let now = clock.unixMillis
        var deleted = 0
        do {
            try await store.purgeExpired(
                now: now,
                idempotencyKeysBefore: now.unixSeconds - idempotencyWindow
            )
            while !Task.isCancelled {
                let batch = try await store.purgeFinishedDeliveries(
                    createdBefore: now - retention,
                    limit: batchSize
                )
                deleted += batch
                guard batch == batchSize else { break }
                // Other writers go between two batches.
                try await Task.sleep(for: .milliseconds(20))
            }
        } catch {
            logger.warning(
                "retention: deleting old deliveries failed; will try again",
                metadata: ["hookd.error": .string(String(describing: type(of: error)))]
            )
        }
        if deleted > 0 {
            logger.info(
                "retention: deleted finished deliveries past the retention period",
                metadata: ["hookd.retention.deleted": .stringConvertible(deleted)]
            )
        }
        return deleted
    }
}
