import HTTPTypes
import HookdCore
import HookdServerTestSupport
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
            await #expect(throws: APIError.self) { try await limiter.reserve([.init(key: "k", perMinute: 10)]) },
        ] {
            #expect(refused?.code == "RATE_LIMIT_EXCEEDED")
            #expect(refused?.headers[.retryAfter] == retryAfter)
        }
    }

    @Test func eachLimitIsAskedPerMinuteAtTheClocksTime() async throws {
        let store = FakeRateLimitStore(wait: nil)
        let clock = TestClock()
        let limiter = RateLimiter(store: store, clock: clock)
        try await limiter.take("a", perMinute: 10)
        try await limiter.reserve([.init(key: "b", perMinute: 20), .init(key: "c", perMinute: 30)])
        try await limiter.giveBack([.init(key: "b", perMinute: 20)])
        let (a, b, c) = (RateLimiter.storedKey("a"), RateLimiter.storedKey("b"), RateLimiter.storedKey("c"))
        #expect(
            store.requests == [
                .init(key: a, limit: 10, period: .seconds(60), now: clock.unixMillis, takes: true),
                .init(key: b, limit: 20, period: .seconds(60), now: clock.unixMillis, takes: true),
                .init(key: c, limit: 30, period: .seconds(60), now: clock.unixMillis, takes: true),
                .init(key: b, limit: 20, period: .seconds(60), now: clock.unixMillis, takes: false, refunds: true),
            ]
        )
    }

    /// Whatever a caller puts in a key, the store keeps 67 characters: `k1:` and a SHA-256 in hex.
    @Test func keysAreStoredAsTheirDigest() {
        let huge = String(repeating: "A", count: 200_000)
        #expect(RateLimiter.storedKey(huge).count == 67)
        #expect(RateLimiter.storedKey("login-failures:address:127.0.0.1").hasPrefix("k1:"))
        #expect(RateLimiter.storedKey("a") != RateLimiter.storedKey("b"))
    }
}
