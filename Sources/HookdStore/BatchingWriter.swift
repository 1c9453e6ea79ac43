import Synchronization

/// Group commit: writes that arrive while another is being written wait for it, then go together in one call.
///
/// Each caller of ``submit(_:)`` gets its own result, and only once the batch holding its item has been written
/// (committed, for a store), so nothing is acknowledged before it is durable. An idle writer adds no delay: the
/// first item is written at once, alone; items that arrive during that write form the next batch. Under load a
/// commit is shared by up to `maximumBatch` items instead of paid by each.
///
/// When a batch's write throws, every caller of that batch gets the error; nothing of the batch was written if the
/// write is one transaction.
///
/// The batches are written by a task of the writer's own, so that a caller's cancellation (an attempt interrupted at
/// shutdown, whose record must still be written) does not cancel the write it shares with others. That task is
/// awaited: ``drained()`` waits for it, and ``BatchingWriters`` does so as a service at shutdown.
public final class BatchingWriter<Item: Sendable, Result: Sendable>: DrainableWriter {
    private struct Pending {
        var item: Item
        var continuation: CheckedContinuation<Result, any Error>
    }

    private struct State {
        var queue: [Pending] = []
        /// The task writing batches, while there are any to write.
        var drain: Task<Void, Never>?
    }

    private let state = Mutex(State())
    private let maximumBatch: Int
    private let write: @Sendable ([Item]) async throws -> [Result]

    /// - Parameters:
    ///   - maximumBatch: Items written by one call at most.
    ///   - write: Writes a batch and returns one result per item, in order.
    public init(maximumBatch: Int, write: @escaping @Sendable ([Item]) async throws -> [Result]) {
        precondition(maximumBatch > 0, "a batch holds at least one item")
        self.maximumBatch = maximumBatch
        self.write = write
    }

    /// Writes `item` with whatever else is waiting, and returns its result once its batch is written.
    public func submit(_ item: Item) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            state.withLock { state in
                state.queue.append(Pending(item: item, continuation: continuation))
                guard state.drain == nil else { return }
                // Made under the lock, so the task ``drained()`` finds is always the one writing.
                state.drain = Task { await self.drain() }
            }
        }
    }

    /// Returns once everything submitted so far has been written (or has failed) and the writer is idle.
    public func drained() async {
        while let drain = state.withLock({ $0.drain }) {
            await drain.value
        }
    }

    /// Writes batches until the queue is empty.
    private func drain() async {
        while true {
            let batch: [Pending] = state.withLock { state in
                guard !state.queue.isEmpty else {
                    state.drain = nil
                    return []
                }
                let count = min(maximumBatch, state.queue.count)
                defer { state.queue.removeFirst(count) }
                return Array(state.queue.prefix(count))
            }
            guard !batch.isEmpty else { return }
            do {
                let results = try await write(batch.map(\.item))
                precondition(results.count == batch.count, "a batch write returns one result per item")
                for (pending, result) in zip(batch, results) {
                    pending.continuation.resume(returning: result)
                }
            } catch {
                for pending in batch {
                    pending.continuation.resume(throwing: error)
                }
            }
        }
    }
}
