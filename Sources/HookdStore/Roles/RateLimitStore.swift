/// Rate limits held in the database, so that they hold across every process sharing it.
public protocol RateLimitStore: Sendable {
    /// Takes one unit from the rate limit `key` (generic cell rate algorithm: at most `limit` per `periodMillis`).
    ///
    /// - Returns: `nil` when allowed, or how many milliseconds to wait before the next unit is available.
    func acquireRateLimit(key: String, limit: Int, periodMillis: Int64, nowMillis: Int64) async throws -> Int64?
    /// How long the rate limit `key` would make a request wait, without taking a unit: `nil` when it would allow one.
    func rateLimitWait(key: String, limit: Int, periodMillis: Int64, nowMillis: Int64) async throws -> Int64?
}
