import Crypto
import HookdCore
import HookdDelivery
import HookdStore
import HookdVerify

/// The per-minute limits of the API, held in the store so that they hold across every node.
///
/// A limit's key is stored as its SHA-256 (`k1:` and 64 hex digits): whatever a caller puts in a key (an app id it
/// made up, 200 KB long), each row of `rate_limits` has the same small size.
struct RateLimiter: Sendable {
    let store: any RateLimitStore
    let clock: any WallClock

    /// Every limit of the API is a number per minute.
    private static let period = Duration.seconds(60)

    /// One limit: its key and how many per minute.
    struct Limit: Sendable {
        let key: String
        let perMinute: Int
    }

    /// Takes one unit of `key`'s limit (`perMinute`, a burst of that many, then one every `60 s / perMinute`).
    ///
    /// - Throws: `RATE_LIMIT_EXCEEDED` with `Retry-After` when none is left; nothing else happens then.
    func take(_ key: String, perMinute limit: Int) async throws {
        try Self.refuse(ifWaiting: try await wait(taking: key, perMinute: limit))
    }

    /// Takes one unit of `key`'s limit if one is left. - Returns: `nil` when one was taken; otherwise how long until
    /// one is, and nothing was taken.
    func wait(taking key: String, perMinute limit: Int) async throws -> Duration? {
        try await store.acquireRateLimit(
            key: Self.storedKey(key),
            limit: limit,
            period: Self.period,
            now: clock.unixMillis
        )
    }

    /// Takes one unit of each limit, each in one atomic statement, so that requests in parallel can never take more
    /// than a limit allows; the caller gives them back (``giveBack(_:)``) when what they counted did not happen.
    ///
    /// - Throws: `RATE_LIMIT_EXCEEDED` when one is refused; the units already taken are given back first.
    func reserve(_ limits: [Limit]) async throws {
        var taken: [Limit] = []
        for limit in limits {
            do {
                try await take(limit.key, perMinute: limit.perMinute)
                taken.append(limit)
            } catch {
                try? await giveBack(taken)
                throw error
            }
        }
    }

    /// Gives back one unit of each limit, taken by ``reserve(_:)``.
    func giveBack(_ limits: [Limit]) async throws {
        for limit in limits {
            try await store.refundRateLimit(
                key: Self.storedKey(limit.key),
                limit: limit.perMinute,
                period: Self.period,
                now: clock.unixMillis
            )
        }
    }

    /// The key as the store keeps it: `k1:` and the SHA-256 of the key, in hex.
    static func storedKey(_ key: String) -> String {
        "k1:" + Hex.encode(SHA256.hash(data: Array(key.utf8)))
    }

    /// `RATE_LIMIT_EXCEEDED` with `Retry-After` in whole seconds, rounded up, when there is a wait.
    static func refuse(ifWaiting wait: Duration?) throws {
        if let wait { throw APIError.rateLimited(retryAfterSeconds: (wait.wholeMilliseconds + 999) / 1000) }
    }
}
