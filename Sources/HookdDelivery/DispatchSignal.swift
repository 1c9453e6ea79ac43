import Synchronization

/// Wakes an idle dispatcher: a publish, a finished attempt, or shutdown.
///
/// A wake that comes while nobody waits is remembered, so the next wait returns at once and no publish is missed.
/// A wait says whether work was announced (or it ran out) since the last one, as opposed to the dispatcher's own
/// wakes for attempts that ended.
public final class DispatchSignal: Sendable {
    private struct State {
        var pending = false
        var announced = false
        var waiter: CheckedContinuation<Void, Never>?
        var generation = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes the waiter, or makes the next wait return at once.
    ///
    /// - Parameter announcingWork: Whether something may have become due (a publish, a requeue, an endpoint
    ///   enabled, shutdown): `true` unless the dispatcher wakes itself for an attempt that ended.
    public func wake(announcingWork: Bool = true) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if announcingWork { state.announced = true }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when woken or after `timeout`, whichever comes first. One waiter at a time.
    ///
    /// - Returns: Whether work was announced since the last wait returned, or this one ran out.
    @discardableResult
    public func wait(timeout: Duration) async -> Bool {
        let generation: Int? = state.withLock { state in
            if state.pending {
                state.pending = false
                return nil
            }
            state.generation += 1
            return state.generation
        }
        guard let generation else { return takeAnnounced(ranOut: false) }
        let ranOut = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                let slept = (try? await Task.sleep(for: timeout)) != nil
                // Ends this wait whether or not its continuation is stored yet: bumping the generation makes a
                // continuation that arrives later resume at once.
                let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                    guard state.generation == generation else { return nil }
                    state.generation += 1
                    defer { state.waiter = nil }
                    return state.waiter
                }
                waiter?.resume()
                return slept
            }
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending || state.generation != generation {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
            group.cancelAll()
            return await group.next() ?? false
        }
        return takeAnnounced(ranOut: ranOut)
    }

    /// Whether work was announced since the last wait (or `ranOut`), and forgets it.
    private func takeAnnounced(ranOut: Bool) -> Bool {
        state.withLock { state in
            defer { state.announced = false }
            return state.announced || ranOut
        }
    }
}
