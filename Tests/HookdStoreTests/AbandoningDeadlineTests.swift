import Testing

@testable import HookdStore

/// `abandoning(after:_:)`: the wait ends at the limit even when the operation never does.
@Suite struct AbandoningDeadlineTests {
    @Test func aResultWithinTheLimitIsReturned() async throws {
        #expect(try await abandoning(after: .seconds(5)) { 42 } == 42)
    }

    @Test func anErrorWithinTheLimitIsRethrownAsItIs() async throws {
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await abandoning(after: .seconds(5)) { () async throws -> Int in throw Refused() }
        }
    }

    /// Without the deadline this test would never end; the time limit turns that into a failure.
    @Test(.timeLimit(.minutes(1)))
    func anOperationThatNeverFinishesIsAbandonedAtTheLimit() async throws {
        await #expect {
            // Ignores cancellation and never resumes, like a statement whose answer was dropped.
            try await abandoning(after: .milliseconds(200)) { () async -> Int in
                await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
                return 0
            }
        } throws: { error in
            (error as? StoreError)?.isUnavailable == true
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func cancellingTheCallerEndsTheWait() async throws {
        let waiting = Task {
            try await abandoning(after: .seconds(3600)) { () async -> Int in
                await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
                return 0
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
    }
}
