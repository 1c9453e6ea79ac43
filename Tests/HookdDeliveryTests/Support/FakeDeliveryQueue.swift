import HookdCore
import HookdStore

/// An in-memory ``DeliveryQueue`` for the dispatcher's unit tests: deliveries in the order they were added, leased
/// by claims within the caps, completed while their lease holds.
///
/// Claims take the oldest due deliveries whose app and endpoint are below their caps; the store's fairness between
/// tenants is the store's own tests' business. Publishing is not faked: a test adds claimable deliveries with
/// ``add(_:dueAt:)``.
final class FakeDeliveryQueue: DeliveryQueue {
    /// One delivery as the queue keeps it.
    struct Row: Sendable {
        /// The delivery as a claim returns it; `claim.leaseID` is the lease that holds it while ``leasedUntil`` is set.
        var claim: ClaimedDelivery
        var status: DeliveryStatus = .pending
        var nextAttemptAt: UnixMillis
        var leasedUntil: UnixMillis?
        /// The attempts recorded, in order.
        var attempts: [DeliveryAttempt] = []
    }

    /// One call of ``claimDueDeliveries(limit:caps:now:leaseUntil:)``.
    struct Claim: Sendable, Equatable {
        let limit: Int
        let caps: ClaimCaps
        let now: UnixMillis
        /// How many deliveries it leased.
        let leased: Int
    }

    struct State: Sendable {
        var rows: [Row] = []
        var claims: [Claim] = []
        /// The deliveries given back unsent.
        var releasedUnsent: [DeliveryID] = []
        var releasedAllLeases = 0
        /// Dispatchers alive, and those that left.
        var dispatchers: Set<DispatcherID> = []
        var left: [DispatcherID] = []
        /// Claims still to fail, as a database that is down fails them.
        var failingClaims = 0
        var leaseCount = 0

        /// The delivery `id`.
        func row(_ id: DeliveryID) -> Row? { rows.first { $0.claim.id == id } }

        /// How many deliveries are leased now.
        var leased: Int { rows.count { $0.leasedUntil != nil } }

        /// How many attempts are recorded, all deliveries together.
        var attemptsRecorded: Int { rows.reduce(0) { $0 + $1.attempts.count } }
    }

    /// What the queue holds and what was asked of it; tests wait on it.
    let state = Watched(State())

    /// Why a faked call failed.
    struct Failure: Error {
        let reason: String
    }

    /// Adds a pending delivery, due at `dueAt`.
    func add(_ delivery: ClaimedDelivery, dueAt: UnixMillis) {
        state.update { $0.rows.append(Row(claim: delivery, nextAttemptAt: dueAt)) }
    }

    var isSharedAcrossProcesses: Bool { false }

    func claimDueDeliveries(
        limit: Int,
        caps: ClaimCaps,
        now: UnixMillis,
        leaseUntil: UnixMillis
    ) async throws -> [ClaimedDelivery] {
        try state.update { state in
            guard state.failingClaims == 0 else {
                state.failingClaims -= 1
                throw Failure(reason: "the database is down")
            }
            var leasedByApp: [AppID: Int] = [:]
            var leasedByEndpoint: [EndpointID: Int] = [:]
            for index in state.rows.indices {
                if let until = state.rows[index].leasedUntil, until <= now { state.rows[index].leasedUntil = nil }
                guard state.rows[index].leasedUntil != nil else { continue }
                leasedByApp[state.rows[index].claim.appID, default: 0] += 1
                leasedByEndpoint[state.rows[index].claim.endpointID, default: 0] += 1
            }
            var claimed: [ClaimedDelivery] = []
            for index in state.rows.indices where claimed.count < limit {
                let row = state.rows[index]
                guard row.status == .pending, row.leasedUntil == nil, row.nextAttemptAt <= now,
                    leasedByApp[row.claim.appID, default: 0] < caps.perApp,
                    leasedByEndpoint[row.claim.endpointID, default: 0] < caps.perEndpoint
                else { continue }
                state.leaseCount += 1
                state.rows[index].claim.leaseID = LeaseID("lease_\(state.leaseCount)")
                state.rows[index].leasedUntil = leaseUntil
                leasedByApp[row.claim.appID, default: 0] += 1
                leasedByEndpoint[row.claim.endpointID, default: 0] += 1
                claimed.append(state.rows[index].claim)
            }
            state.claims.append(Claim(limit: limit, caps: caps, now: now, leased: claimed.count))
            return claimed
        }
    }

    func completeAttempts(_ completions: [AttemptCompletion]) async throws -> [Bool] {
        state.update { state in
            completions.map { completion in
                guard
                    let index = state.rows.firstIndex(where: {
                        $0.claim.id == completion.deliveryID && $0.claim.leaseID == completion.leaseID
                            && $0.leasedUntil != nil
                    })
                else { return false }
                state.rows[index].attempts.append(completion.attempt)
                state.rows[index].status = completion.status
                state.rows[index].nextAttemptAt = completion.nextAttemptAt ?? state.rows[index].nextAttemptAt
                state.rows[index].leasedUntil = nil
                state.rows[index].claim.attempts += 1
                if completion.allowsAnotherAttempt { state.rows[index].claim.attemptsAllowed += 1 }
                return true
            }
        }
    }

    func completeAttempt(_ completion: AttemptCompletion) async throws -> Bool {
        try await completeAttempts([completion])[0]
    }

    func nextDueTime(caps: ClaimCaps) async throws -> UnixMillis? {
        state.value.rows.compactMap { row in
            row.leasedUntil ?? (row.status == .pending ? row.nextAttemptAt : nil)
        }.min()
    }

    func sendingStates(endpointIDs: Set<EndpointID>) async throws -> [EndpointID: EndpointSendingState] {
        let rows = state.value.rows.filter { endpointIDs.contains($0.claim.endpointID) }
        return Dictionary(rows.map { ($0.claim.endpointID, .sendable($0.claim.target)) }) { first, _ in first }
    }

    func releaseUnsent(_ claims: [ClaimedDelivery]) async throws {
        state.update { state in
            for claim in claims {
                guard
                    let index = state.rows.firstIndex(where: {
                        $0.claim.id == claim.id && $0.claim.leaseID == claim.leaseID && $0.leasedUntil != nil
                    })
                else { continue }
                state.rows[index].leasedUntil = nil
                state.releasedUnsent.append(claim.id)
            }
        }
    }

    func releaseAllLeases() async throws {
        state.update { state in
            state.releasedAllLeases += 1
            for index in state.rows.indices { state.rows[index].leasedUntil = nil }
        }
    }

    func dispatchersSharingQueue(id: DispatcherID, now: UnixMillis, aliveSince: UnixMillis) async throws -> Int {
        state.update { state in
            state.dispatchers.insert(id)
            return state.dispatchers.count
        }
    }

    func leaveQueue(dispatcherID id: DispatcherID) async throws {
        state.update { state in
            state.dispatchers.remove(id)
            state.left.append(id)
        }
    }

    func listenForPublishes(_ wake: @escaping @Sendable () -> Void) async throws {}

    func publishAll(
        _ events: [NewEvent],
        attemptsAllowed: AttemptsAllowed,
        now: UnixMillis
    ) async throws -> [PublishOutcome] {
        throw Failure(reason: "the dispatcher does not publish; a test adds deliveries with add(_:dueAt:)")
    }

    func publish(
        _ event: NewEvent,
        attemptsAllowed: AttemptsAllowed,
        now: UnixMillis,
        lease: (id: LeaseID, until: UnixMillis)?
    ) async throws -> (deliveryID: DeliveryID, created: Bool) {
        throw Failure(reason: "the dispatcher does not publish; a test adds deliveries with add(_:dueAt:)")
    }

    func claimedDelivery(id: DeliveryID, leaseID: LeaseID) async throws -> ClaimedDelivery? {
        state.value.row(id).flatMap { $0.claim.leaseID == leaseID && $0.leasedUntil != nil ? $0.claim : nil }
    }
}
