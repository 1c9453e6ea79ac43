import Synchronization

/// Waits for `operation` at most `limit`, then stops waiting even if the operation never finishes.
///
/// postgres-nio does not cancel a statement that has been handed to a connection, and a statement written to a
/// connection at the instant the server closes it is never answered at all (its promise is dropped with the
/// write). A task group cannot help there: it waits for every child, including one that never ends. So the
/// operation runs in a task of its own; when the limit passes first, the caller gets ``StoreError/unavailable``,
/// the task is cancelled, and, if it still does not finish, it is left behind: a few hundred bytes, instead of a
/// request (and the shutdown that waits for it) hanging forever.
///
/// Cancelling the calling task cancels the operation and stops the wait the same way.
///
/// - Throws: ``StoreError/unavailable(_:)`` (``StoreError/Unavailability/timedOut(_:)``) when the limit passes
///   first, `CancellationError` when the caller is cancelled, and otherwise what `operation` throws.
public func abandoning<Result: Sendable>(
    after limit: Duration,
    _ operation: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    let outcome = FirstOutcome<Result>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            outcome.start(continuation, limit: limit, operation)
        }
    } onCancel: {
        outcome.finish(.failure(CancellationError()))
    }
}

/// Delivers the first of the operation's result, the timeout and a cancellation to the waiting continuation.
private final class FirstOutcome<Result: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Result, any Error>?
        var pending: Swift.Result<Result, any Error>?
        var work: Task<Void, Never>?
        var timer: Task<Void, Never>?
        var done = false
    }

    private let state = Mutex(State())

    func start(
        _ continuation: CheckedContinuation<Result, any Error>,
        limit: Duration,
        _ operation: @escaping @Sendable () async throws -> Result
    ) {
        let alreadyFinished: Swift.Result<Result, any Error>? = state.withLock { state in
            if state.done {
                return state.pending ?? .failure(CancellationError())
            }
            state.continuation = continuation
            return nil
        }
        if let alreadyFinished {
            continuation.resume(with: alreadyFinished)
            return
        }
        let timer = Task {
            do {
                try await Task.sleep(for: limit)
            } catch {
                return
            }
            self.finish(.failure(StoreError.unavailable(.timedOut(limit))))
        }
        let work = Task {
            do {
                self.finish(.success(try await operation()))
            } catch {
                self.finish(.failure(error))
            }
        }
        let finishedMeanwhile = state.withLock { state in
            state.work = work
            state.timer = timer
            return state.done
        }
        if finishedMeanwhile {
            timer.cancel()
            work.cancel()
        }
    }

    func finish(_ result: Swift.Result<Result, any Error>) {
        let (continuation, work, timer):
            (CheckedContinuation<Result, any Error>?, Task<Void, Never>?, Task<Void, Never>?) =
                state.withLock { state in
                    guard !state.done else {
                        return (nil, nil, nil)
                    }
                    state.done = true
                    state.pending = result
                    defer {
                        state.continuation = nil
                        state.work = nil
                        state.timer = nil
                    }
                    return (state.continuation, state.work, state.timer)
                }
        timer?.cancel()
        if case .failure = result {
            work?.cancel()
        }
        continuation?.resume(with: result)
    }
}
