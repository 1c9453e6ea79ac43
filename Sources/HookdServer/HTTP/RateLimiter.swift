import HookdCore
import HookdDelivery
import HookdStore

/// The per-minute limits of the API, held in the store so that they hold across every node.
struct RateLimiter: Sendable {
    let store: any RateLimitStore
    let clock: any WallClock

    /// Every limit of the API is a number per minute.
    private static let period = Duration.seconds(60)

    /// Takes one unit of `key`'s limit (`perMinute`, a burst of that many, then one every `60 s / perMinute`).
    ///
    /// - Throws: `RATE_LIMIT_EXCEEDED` with `Retry-After` when none is left; nothing else happens then.
    func take(_ key: String, perMinute limit: Int) async throws {
        try Self.refuse(
            ifWaiting: try await store.acquireRateLimit(
                key: key,
                limit: limit,
                period: Self.period,
                now: clock.unixMillis
            )
        )
    }

    /// Takes one unit of `key`'s limit if one is left, without failing when none is.
    func count(_ key: String, perMinute limit: Int) async throws {
        _ = try await store.acquireRateLimit(
            key: key,
            limit: limit,
            period: Self.period,
            now: clock.unixMillis
        )
    }

    /// Fails as ``take(_:perMinute:)`` would, without taking a unit.
    func check(_ key: String, perMinute limit: Int) async throws {
        try Self.refuse(
            ifWaiting: try await store.rateLimitWait(
                key: key,
                limit: limit,
                period: Self.period,
                now: clock.unixMillis
            )
        )
    }

    /// `RATE_LIMIT_EXCEEDED` with `Retry-After` in whole seconds, rounded up, when there is a wait.
    private static func refuse(ifWaiting wait: Duration?) throws {
        if let wait { throw APIError.rateLimited(retryAfterSeconds: (wait.wholeMilliseconds + 999) / 1000) }
    }
}
