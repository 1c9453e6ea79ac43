import HTTPTypes
import HookdCore
import HookdStore
import Testing

@testable import HookdServer

/// The API's limits against a fake store: the limiter asks per minute at the clock's time, and turns the store's
/// wait into `Retry-After` whole seconds, rounded up.
@Suite struct RateLimiterTests {
    @Test(arguments: [
        (Duration.milliseconds(1), "1"), (.milliseconds(999), "1"), (.seconds(1), "1"), (.milliseconds(1_001), "2"),
        (.seconds(59), "59"),
    ])
    func aRefusalSaysHowManyWholeSecondsToWaitRoundedUp(wait: Duration, retryAfter: String) async throws {
        let limiter = RateLimiter(store: FakeRateLimitStore(wait: wait), clock: TestClock())
        for refused in [
            await #expect(throws: APIError.self) { try await limiter.take("k", perMinute: 10) },
            await #expect(throws: APIError.self) { try await limiter.check("k", perMinute: 10) },
        ] {
            #expect(refused?.code == "RATE_LIMIT_EXCEEDED")
            #expect(refused?.headers[.retryAfter] == retryAfter)
        }
        try await limiter.count("k", perMinute: 10)
    }

    @Test func eachLimitIsAskedPerMinuteAtTheClocksTime() async throws {
        let store = FakeRateLimitStore(wait: nil)
        let clock = TestClock()
        let limiter = RateLimiter(store: store, clock: clock)
        try await limiter.take("a", perMinute: 10)
        try await limiter.check("b", perMinute: 20)
        try await limiter.count("c", perMinute: 30)
        #expect(
            store.requests == [
                .init(key: "a", limit: 10, period: .seconds(60), now: clock.unixMillis, takes: true),
                .init(key: "b", limit: 20, period: .seconds(60), now: clock.unixMillis, takes: false),
                .init(key: "c", limit: 30, period: .seconds(60), now: clock.unixMillis, takes: true),
            ]
        )
    }
}
