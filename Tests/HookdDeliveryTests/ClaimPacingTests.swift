import Testing

@testable import HookdDelivery

/// When the dispatcher claims: within its slots, and in batches once the caps hold an app back.
@Suite struct ClaimPacingTests {
    static func pacing(maxInFlight: Int = 64, perApp: Int = 32) -> ClaimPacing {
        var configuration = DeliveryConfiguration()
        configuration.maximumInFlight = maxInFlight
        configuration.maximumInFlightPerApp = perApp
        return ClaimPacing(configuration: configuration)
    }

    @Test func withNothingUnderWayAnyFreeSlotIsWorthAClaim() {
        let pacing = Self.pacing()
        #expect(pacing.claimSize(newWork: false) == 64)
        #expect(pacing.claimSize(newWork: true) == 64)
    }

    @Test func aBatchIsClaimedAheadOfTheSlotsAndNoMore() {
        var pacing = Self.pacing()
        pacing.claimed(64, asked: 64)
        #expect(pacing.claimSize(newWork: false) == 64, "one batch ahead of the 64 open requests")
        pacing.claimed(64, asked: 64)
        #expect(pacing.claimSize(newWork: true) == nil, "128 claimed: the slots and one batch ahead are full")
        for _ in 0..<15 { pacing.sent() }
        #expect(pacing.claimSize(newWork: true) == nil, "15 free: less than a quarter batch")
        pacing.sent()
        #expect(pacing.claimSize(newWork: true) == nil, "sent but not recorded: the recording backlog is full")
        for _ in 0..<16 { pacing.recorded() }
        #expect(pacing.claimSize(newWork: false) == 16)
    }

    @Test func afterAShortClaimTheNextWaitsForAQuarterOfTheAppsCap() {
        var pacing = Self.pacing(perApp: 32)
        pacing.claimed(32, asked: 64)  // an app alone, at its cap of 32
        #expect(pacing.claimSize(newWork: false) == nil, "held back by the cap: nothing to find yet")
        for _ in 0..<7 {
            pacing.sent()
            pacing.recorded()
        }
        #expect(pacing.claimSize(newWork: false) == nil, "seven ended: a claim would find seven")
        #expect(pacing.claimSize(newWork: true) == 64, "a publish or a timer claims at once")
        pacing.sent()
        pacing.recorded()
        #expect(pacing.claimSize(newWork: false) == 64, "eight ended: a quarter of the cap")
        pacing.claimed(8, asked: 64)
        #expect(pacing.claimSize(newWork: false) == nil, "short again: counting starts anew")
    }

    @Test func whenEverythingHasEndedAClaimIsAlwaysWorthIt() {
        var pacing = Self.pacing(perApp: 32)
        pacing.claimed(3, asked: 64)
        for _ in 0..<3 {
            pacing.sent()
            pacing.recorded()
        }
        #expect(pacing.claimSize(newWork: false) == 64)
    }

    @Test func aFullClaimKeepsClaimingAsSlotsFree() {
        var pacing = Self.pacing(maxInFlight: 8, perApp: 4)
        pacing.claimed(8, asked: 8)
        #expect(pacing.claimSize(newWork: false) == 8, "a batch ahead of the 8 slots")
        #expect(pacing.refill == 1, "a quarter of a cap of 4")
    }
}
