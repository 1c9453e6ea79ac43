import HookdCore
import HookdDelivery
import HookdStore

/// The per-minute limits of the API, held in the store so that they hold across every node.
struct RateLimiter: Sendable {
    let store: any RateLimitStore
    let clock: any WallClock

    /// Takes one unit of `key`'s limit (`perMinute`, a burst of that many, then one every `60 s / perMinute`).
    ///
    /// - Throws: `RATE_LIMIT_EXCEEDED` with `Retry-After` when none is left; nothing else happens then.
    func take(_ key: String, perMinute limit: Int) async throws {
        try Self.refuse(
            ifWaiting: try await store.acquireRateLimit(
                key: key,
                limit: limit,
                periodMillis: 60_000,
                nowMillis: clock.milliseconds
            )
        )
    }

    /// Takes one unit of `key`'s limit if one is left, without failing when none is.
    func count(_ key: String, perMinute limit: Int) async throws {
        _ = try await store.acquireRateLimit(
            key: key,
            limit: limit,
            periodMillis: 60_000,
            nowMillis: clock.milliseconds
        )
    }

    /// Fails as ``take(_:perMinute:)`` would, without taking a unit.
    func check(_ key: String, perMinute limit: Int) async throws {
        try Self.refuse(
            ifWaiting: try await store.rateLimitWait(
                key: key,
                limit: limit,
                periodMillis: 60_000,
                nowMillis: clock.milliseconds
            )
        )
    }

    /// `RATE_LIMIT_EXCEEDED` with `Retry-After` in whole seconds, rounded up, when there is a wait.
    private static func refuse(ifWaiting wait: Int64?) throws {
        if let wait { throw APIError.rateLimited(retryAfterSeconds: (wait + 999) / 1000) }
    }
}
