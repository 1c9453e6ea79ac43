import HookdCore
import HookdStore
import Synchronization

/// Reads what an endpoint allows just before an attempt (SPEC §13), at most ``maximumAge`` before it.
///
/// A delivery claimed ahead may wait for a slot while its endpoint changes, so its endpoint is read again before its
/// request, unless a read no older than ``maximumAge`` is at hand: the claim's own (the claim reads the endpoint in
/// the statement that leases), or another attempt's read of the same endpoint. Reads that are needed at once go to
/// the store together, one query for all of them. Under load to one endpoint that is one read per ``maximumAge``,
/// not one per attempt (measured on PostgreSQL: a read per batch of attempts cost a fifth of hookd's CPU per
/// delivery).
///
/// - Important: What is sent is what was in force at most ``maximumAge`` (and the read's own round trip) before the
///   request; with a maximum age of zero every attempt reads its endpoint.
final class SendingStateReader: Sendable {
    /// How old a read may be and still be used: 100 ms by default (``DeliveryConfiguration/endpointReadMaximumAge``).
    let maximumAge: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let reads: BatchingWriter<EndpointID, EndpointSendingState>
    private let recent = Mutex<[EndpointID: (state: EndpointSendingState, at: ContinuousClock.Instant)]>([:])

    /// - Parameters:
    ///   - maximumAge: How old a read may be and still be used.
    ///   - now: The clock reads are aged by.
    ///   - read: Reads endpoints from the store (``DeliveryQueue/sendingStates(endpointIDs:)``).
    init(
        maximumAge: Duration,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
        read: @escaping @Sendable (Set<EndpointID>) async throws -> [EndpointID: EndpointSendingState]
    ) {
        self.maximumAge = maximumAge
        self.now = now
        self.reads = BatchingWriter(maximumBatch: 256) { endpointIDs in
            let states = try await read(Set(endpointIDs))
            return endpointIDs.map { states[$0] ?? .gone }
        }
    }

    /// The writer whose task reads endpoints together, for shutdown to wait for (``BatchingWriters``).
    var writers: [any DrainableWriter] { [reads] }

    /// What `claim`'s endpoint allows now, its claim having read it at `claimedAt` (`nil`: not known).
    ///
    /// - Throws: The store's error when it had to be read and could not be.
    func state(of claim: ClaimedDelivery, claimedAt: ContinuousClock.Instant?) async throws -> EndpointSendingState {
        let started = now()
        if maximumAge > .zero, let claimedAt, started - claimedAt <= maximumAge {
            return .sendable(claim.target)
        }
        if let recent = recent.withLock({ $0[claim.endpointID] }), started - recent.at <= maximumAge {
            return recent.state
        }
        let state = try await reads.submit(claim.endpointID)
        if maximumAge > .zero {
            recent.withLock { recent in
                // Only reads young enough to be used are kept: the table holds the endpoints busy right now.
                recent = recent.filter { started - $0.value.at <= maximumAge }
                recent[claim.endpointID] = (state, started)
            }
        }
        return state
    }
}
