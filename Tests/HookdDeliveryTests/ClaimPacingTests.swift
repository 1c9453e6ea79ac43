import Testing

@testable import HookdDelivery

/// When the dispatcher claims: within its slots, one batch ahead of them, and within what it may leave unrecorded.
@Suite struct ClaimPacingTests {
    static func pacing(maxInFlight: Int = 64, claimBatch: Int = 64) -> ClaimPacing {
        var configuration = DeliveryConfiguration()
        configuration.maximumInFlight = maxInFlight
        configuration.claimBatchSize = claimBatch
        return ClaimPacing(configuration: configuration)
    }

    @Test func withNothingUnderWayAFullBatchIsClaimed() {
        #expect(Self.pacing().claimSize == 64)
        #expect(Self.pacing(maxInFlight: 8).claimSize == 8, "a batch is at most the slots")
    }

    @Test func aBatchIsClaimedAheadOfTheSlotsAndNoMore() {
        var pacing = Self.pacing()
        pacing.claimed(64)
        #expect(pacing.claimSize == 64, "one batch ahead of the 64 open requests")
        pacing.claimed(64)
        #expect(pacing.claimSize == nil, "128 claimed: the slots and one batch ahead are full")
        for _ in 0..<15 { pacing.sent() }
        #expect(pacing.claimSize == nil, "15 free: less than a quarter batch is not worth a write")
        pacing.sent()
        #expect(pacing.claimSize == nil, "sent but not recorded: what may stay unrecorded is full")
        for _ in 0..<16 { pacing.recorded() }
        #expect(pacing.claimSize == 16)
    }

    @Test func withAnythingUnderWayAClaimWaitsForAQuarterBatch() {
        var pacing = Self.pacing()
        pacing.claimed(100)
        for _ in 0..<100 { pacing.sent() }
        for _ in 0..<72 { pacing.recorded() }
        #expect(pacing.claimSize == 64)
        var lone = Self.pacing()
        lone.claimed(1)
        lone.sent()
        lone.recorded()
        #expect(lone.claimSize == 64, "nothing under way: a claim at once")
    }
}
