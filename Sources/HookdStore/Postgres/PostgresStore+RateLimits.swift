public import HookdCore
import PostgresNIO

extension PostgresStore: RateLimitStore {
    public func rateLimitWait(key: String, limit: Int, period: Duration, now: UnixMillis) async throws -> Duration? {
        let plan = RateLimitPlan(limit: limit, period: period, now: now)
        let arrival = try await rows("SELECT theoretical_arrival_ms FROM rate_limits WHERE key = \(key)").first
            .map { row in try row.decode(UnixMillis.self) }
        return plan.waitIfFull(theoreticalArrival: arrival)
    }

    public func acquireRateLimit(key: String, limit: Int, period: Duration, now: UnixMillis) async throws -> Duration? {
        let plan = RateLimitPlan(limit: limit, period: period, now: now)
        let now = plan.now
        let interval = plan.intervalMillis
        // The decision is this one statement: the row is updated (and returned) only when the unit is granted.
        let granted = try await rows(
            """
            INSERT INTO rate_limits AS r (key, theoretical_arrival_ms) VALUES (\(key), \(now) + \(interval))
            ON CONFLICT (key) DO UPDATE
                SET theoretical_arrival_ms = GREATEST(r.theoretical_arrival_ms, \(now)) + \(interval)
                WHERE GREATEST(r.theoretical_arrival_ms, \(now)) + \(interval) - \(now) <= \(plan.periodMillis)
            RETURNING theoretical_arrival_ms
            """
        )
        if !granted.isEmpty { return nil }
        // Refused: read the arrival time only to tell the caller how long to wait.
        let arrival = try await rows("SELECT theoretical_arrival_ms FROM rate_limits WHERE key = \(key)").first
            .map { row in try row.decode(UnixMillis.self) }
        return plan.wait(theoreticalArrival: arrival ?? UnixMillis(0))
    }

    public func refundRateLimit(key: String, limit: Int, period: Duration, now: UnixMillis) async throws {
        let plan = RateLimitPlan(limit: limit, period: period, now: now)
        try await execute(
            """
            UPDATE rate_limits SET theoretical_arrival_ms = theoretical_arrival_ms - \(plan.intervalMillis)
            WHERE key = \(key)
            """
        )
    }
}
