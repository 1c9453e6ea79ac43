import HookdCore
import Synchronization

/// The dispatcher's `--max-in-flight` request slots, shared between tenants (SPEC §13): an app holds at most
/// `perApp` of them and an endpoint at most `perEndpoint`; deliveries claimed ahead wait for one, and when a slot
/// comes free the apps waiting take turns for it.
///
/// A claim leases more than the slots (deliveries waiting for a slot, and attempts whose request is over while
/// their record is written), so the slots, not the leases, are what a tenant's slow receivers can hold. The rule is
/// work-conserving: a slot goes to any waiter whose app and endpoint are below their caps; only a waiter whose app
/// or endpoint is at its cap waits while slots are free.
///
/// Once closed (graceful shutdown) nobody waits any more: what was claimed ahead and still waits is told so, and is
/// given back unsent (another node, or this one when it starts again, sends it), rather than held until a slot
/// comes free or sent past its app's cap.
final class RequestSlots: Sendable {
    /// Whose request a slot is for.
    struct Holder: Hashable, Sendable {
        var appID: AppID
        var endpointID: EndpointID
    }

    private struct Waiter {
        let id: Int
        let holder: Holder
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var free: Int
        var perApp: Int
        var perEndpoint: Int
        var closed = false
        var heldByApp: [AppID: Int] = [:]
        var heldByEndpoint: [EndpointID: Int] = [:]
        /// Waiters by app, in the order they came.
        var waiting: [AppID: [Waiter]] = [:]
        /// The apps with waiters, in their turn: the next slot goes to the first whose turn it is and may take one.
        var turns: [AppID] = []
        var nextID = 0

        func mayTake(_ holder: Holder) -> Bool {
            heldByApp[holder.appID, default: 0] < perApp && heldByEndpoint[holder.endpointID, default: 0] < perEndpoint
        }

        mutating func take(_ holder: Holder) {
            free -= 1
            heldByApp[holder.appID, default: 0] += 1
            heldByEndpoint[holder.endpointID, default: 0] += 1
        }

        mutating func give(_ holder: Holder) {
            free += 1
            heldByApp[holder.appID, default: 0] -= 1
            if heldByApp[holder.appID] == 0 { heldByApp[holder.appID] = nil }
            heldByEndpoint[holder.endpointID, default: 0] -= 1
            if heldByEndpoint[holder.endpointID] == 0 { heldByEndpoint[holder.endpointID] = nil }
        }

        mutating func removeWaiter(at index: Int, ofApp appID: AppID) -> Waiter {
            let waiter = waiting[appID]!.remove(at: index)
            if waiting[appID]!.isEmpty {
                waiting[appID] = nil
                turns.removeAll { $0 == appID }
            }
            return waiter
        }
    }

    private let state: Mutex<State>
    /// The caps of the whole fleet, of which this node holds its share (``share(among:)``).
    private let perApp: Int
    private let perEndpoint: Int

    /// - Parameters:
    ///   - count: `--max-in-flight`.
    ///   - perApp: Slots one app may hold.
    ///   - perEndpoint: Slots one endpoint may hold.
    init(count: Int, perApp: Int, perEndpoint: Int) {
        precondition(count > 0 && perApp > 0 && perEndpoint > 0, "at least one request at a time")
        state = Mutex(State(free: count, perApp: perApp, perEndpoint: perEndpoint))
        self.perApp = perApp
        self.perEndpoint = perEndpoint
    }

    /// Holds this node to its share of the caps when `dispatchers` dispatchers share the queue (SPEC §13: an app's
    /// slots across the fleet stay within its cap): each cap divided among them, at least one. A holder above its
    /// new share keeps what it holds and takes no more until it is below; waiters a larger share lets in go at once.
    func share(among dispatchers: Int) {
        let granted = state.withLock { state -> [Waiter] in
            state.perApp = max(1, perApp / max(1, dispatchers))
            state.perEndpoint = max(1, perEndpoint / max(1, dispatchers))
            return grantFreeSlots(&state)
        }
        for waiter in granted {
            waiter.continuation.resume(returning: true)
        }
    }

    /// The caps this node holds now: (per app, per endpoint).
    var caps: (perApp: Int, perEndpoint: Int) { state.withLock { ($0.perApp, $0.perEndpoint) } }

    /// Waits for a slot for `holder`; returns whether one is held (to ``release(_:)`` when the request is over). It
    /// returns `false` without one once the slots are closed, or when the waiting task is cancelled.
    func acquire(_ holder: Holder) async -> Bool {
        let id = state.withLock { state -> Int? in
            guard !state.closed else { return nil }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return false }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let answer = state.withLock { state -> Bool? in
                    guard !state.closed, !Task.isCancelled else { return false }
                    if state.free > 0, state.mayTake(holder) {
                        state.take(holder)
                        return true
                    }
                    if state.waiting[holder.appID] == nil { state.turns.append(holder.appID) }
                    state.waiting[holder.appID, default: []].append(
                        Waiter(id: id, holder: holder, continuation: continuation)
                    )
                    return nil
                }
                if let answer {
                    continuation.resume(returning: answer)
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiting[holder.appID]?.firstIndex(where: { $0.id == id }) else { return nil }
                return state.removeWaiter(at: index, ofApp: holder.appID)
            }
            waiter?.continuation.resume(returning: false)
        }
    }

    /// Gives `holder`'s slot back, and hands free slots to the waiters whose turn it is.
    func release(_ holder: Holder) {
        let granted = state.withLock { state -> [Waiter] in
            state.give(holder)
            return grantFreeSlots(&state)
        }
        for waiter in granted {
            waiter.continuation.resume(returning: true)
        }
    }

    /// Hands free slots to the waiters whose turn it is; returns them, to be resumed outside the lock.
    private func grantFreeSlots(_ state: inout State) -> [Waiter] {
        var granted: [Waiter] = []
        while state.free > 0, let next = nextWaiter(&state) {
            state.take(next.holder)
            granted.append(next)
        }
        return granted
    }

    /// Takes the first waiter that may take a slot, from the first app in turn that has one; that app's turn moves
    /// to the end.
    private func nextWaiter(_ state: inout State) -> Waiter? {
        for (turn, appID) in state.turns.enumerated() {
            guard state.heldByApp[appID, default: 0] < state.perApp,
                let index = state.waiting[appID]?.firstIndex(where: { state.mayTake($0.holder) })
            else { continue }
            let waiter = state.removeWaiter(at: index, ofApp: appID)
            if state.waiting[appID] != nil {
                state.turns.remove(at: turn)
                state.turns.append(appID)
            }
            return waiter
        }
        return nil
    }

    /// How many callers wait for a slot now.
    var waiting: Int { state.withLock { $0.waiting.values.reduce(0) { $0 + $1.count } } }

    /// The slots `appID` holds now.
    func held(byApp appID: AppID) -> Int { state.withLock { $0.heldByApp[appID, default: 0] } }

    /// Sends every waiter, and every later caller, away without a slot.
    func close() {
        let waiters = state.withLock { state -> [Waiter] in
            state.closed = true
            defer {
                state.waiting.removeAll()
                state.turns.removeAll()
            }
            return state.waiting.values.flatMap { $0 }
        }
        for waiter in waiters {
            waiter.continuation.resume(returning: false)
        }
    }
}
