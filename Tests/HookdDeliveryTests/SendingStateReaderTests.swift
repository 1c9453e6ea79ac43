import HookdCore
import Synchronization
import Testing

@testable import HookdDelivery

/// An endpoint is read at most the maximum age before an attempt: the claim's read, another attempt's, or a new one.
@Suite struct SendingStateReaderTests {
    /// A store's endpoints as a test sets them, counting the reads.
    final class Endpoints: Sendable {
        let states = Mutex<[EndpointID: EndpointSendingState]>([:])
        let reads = Mutex(0)

        func read(_ ids: Set<EndpointID>) async throws -> [EndpointID: EndpointSendingState] {
            reads.withLock { $0 += 1 }
            return states.withLock { current in current.filter { ids.contains($0.key) } }
        }
    }

    static func claim(_ endpoint: String, url: String) -> ClaimedDelivery {
        ClaimedDelivery(
            id: DeliveryID("dlv_1"),
            appID: AppID("APP"),
            eventID: EventID("evt"),
            event: "card.created",
            data: [],
            attempts: 0,
            attemptsAllowed: 4,
            leaseID: LeaseID("lse"),
            endpointID: EndpointID(endpoint),
            target: DeliveryTarget(url: url, sealedSecret: [1], secretVersion: 1)
        )
    }

    @Test func aFreshClaimIsItsOwnReadAndAnOlderOneIsReadAgain() async throws {
        let clock = ManualClock()
        let endpoints = Endpoints()
        var moved = Self.claim("whk_A", url: "https://moved.example/").target
        moved.secretVersion = 2
        endpoints.states.withLock { $0[EndpointID("whk_A")] = .sendable(moved) }
        let reader = SendingStateReader(maximumAge: .milliseconds(100), now: clock.function, read: endpoints.read)
        let claim = Self.claim("whk_A", url: "https://old.example/")

        let claimedAt = clock.now
        #expect(try await reader.state(of: claim, claimedAt: claimedAt) == .sendable(claim.target))
        #expect(endpoints.reads.withLock { $0 } == 0, "claimed 0 ms ago: what the claim read")

        clock.advance(by: .milliseconds(101))
        #expect(try await reader.state(of: claim, claimedAt: claimedAt) == .sendable(moved), "read again")
        #expect(try await reader.state(of: claim, claimedAt: claimedAt) == .sendable(moved))
        #expect(endpoints.reads.withLock { $0 } == 1, "the read is shared for its maximum age")

        endpoints.states.withLock { $0[EndpointID("whk_A")] = .held }
        clock.advance(by: .milliseconds(101))
        #expect(try await reader.state(of: claim, claimedAt: claimedAt) == .held)
        endpoints.states.withLock { $0 = [:] }
        clock.advance(by: .milliseconds(101))
        #expect(try await reader.state(of: claim, claimedAt: nil) == .gone, "an endpoint no longer there is gone")
        #expect(endpoints.reads.withLock { $0 } == 3)
    }

    @Test func withAMaximumAgeOfZeroEveryAttemptReads() async throws {
        let endpoints = Endpoints()
        endpoints.states.withLock { $0[EndpointID("whk_A")] = .held }
        let reader = SendingStateReader(maximumAge: .zero, read: endpoints.read)
        let claim = Self.claim("whk_A", url: "https://old.example/")
        for _ in 0..<3 {
            #expect(try await reader.state(of: claim, claimedAt: ContinuousClock.now) == .held)
        }
        #expect(endpoints.reads.withLock { $0 } == 3)
    }
}
