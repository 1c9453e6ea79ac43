public import HookdCore

/// Rate limits held in the database, so that they hold across every process sharing it.
public protocol RateLimitStore: Sendable {
    /// Takes one unit from the rate limit `key` at `now` (generic cell rate algorithm: at most `limit` per `period`, a
    /// burst of up to `limit`, then one every `period / limit`).
    ///
    /// - Returns: `nil` when allowed, or how long to wait before the next unit is available (at least a
    ///   millisecond).
    func acquireRateLimit(key: String, limit: Int, period: Duration, now: UnixMillis) async throws -> Duration?
    /// How long the rate limit `key` would make a request at `now` wait, without taking a unit: `nil` when it would
    /// allow one.
    func rateLimitWait(key: String, limit: Int, period: Duration, now: UnixMillis) async throws -> Duration?
    /// Gives back one unit taken from the rate limit `key` (a reservation that was not used): the next unit is
    /// available one interval (`period / limit`) sooner.
    func refundRateLimit(key: String, limit: Int, period: Duration, now: UnixMillis) async throws
}
