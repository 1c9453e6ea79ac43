import Synchronization

/// The dispatcher's `--max-in-flight` requests: a delivery claimed ahead waits here, first come first served, until
/// a request is over.
///
/// Once opened (graceful shutdown) nobody waits any more: what was claimed is sent at once, so it ends within the
/// delivery timeout like the requests already open, rather than one timeout after a slot would have come free.
final class SendSlots: Sendable {
    private struct State {
        var free: Int
        var open = false
        var waiters: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
        var nextID = 0
    }

    private let state: Mutex<State>

    init(count: Int) {
        precondition(count > 0, "at least one request at a time")
        state = Mutex(State(free: count))
    }

    /// Waits for a slot; returns whether one is held (to ``release()`` when the request is over). It returns
    /// `false` without one once the slots are open, or when the waiting task is cancelled.
    func acquire() async -> Bool {
        enum Turn {
            case now(holdsSlot: Bool)
            case later(id: Int)
        }
        let turn = state.withLock { state -> Turn in
            guard !state.open else { return .now(holdsSlot: false) }
            if state.free > 0 {
                state.free -= 1
                return .now(holdsSlot: true)
            }
            state.nextID += 1
            return .later(id: state.nextID)
        }
        switch turn {
        case .now(let holdsSlot): return holdsSlot
        case .later(let id): return await waitForTurn(id)
        }
    }

    /// Waits until ``release()`` hands this caller its slot (`true`), or the slots open or the task is cancelled.
    private func waitForTurn(_ id: Int) async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // A slot given back since `acquire` looked is taken here.
                let answer = state.withLock { state -> Bool? in
                    guard !state.open, !Task.isCancelled else { return false }
                    if state.free > 0 {
                        state.free -= 1
                        return true
                    }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let answer {
                    continuation.resume(returning: answer)
                }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0).continuation }
            }
            waiter?.resume(returning: false)
        }
    }

    /// How many callers wait for a slot now.
    var waiting: Int { state.withLock { $0.waiters.count } }

    /// Gives a slot back: to the first waiter, if any.
    func release() {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard !state.waiters.isEmpty else {
                state.free += 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: true)
    }

    /// Lets every waiter, and every later caller, go without a slot.
    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters.removeAll() }
            return state.waiters.map(\.continuation)
        }
        for waiter in waiters {
            waiter.resume(returning: false)
        }
    }
}
