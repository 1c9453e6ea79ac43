import GRDB
public import HookdCore

extension SQLiteStore: RateLimitStore {
    public func rateLimitWait(key: String, limit: Int, period: Duration, now: UnixMillis) async throws -> Duration? {
        let plan = RateLimitPlan(limit: limit, period: period, now: now)
        let arrival = try await pool.read { db in
            try UnixMillis.fetchOne(
                db,
                sql: "SELECT theoretical_arrival_ms FROM rate_limits WHERE key = ?",
                arguments: [key]
            )
        }
        return plan.waitIfFull(theoreticalArrival: arrival)
    }

    public func acquireRateLimit(key: String, limit: Int, period: Duration, now: UnixMillis) async throws -> Duration? {
        let plan = RateLimitPlan(limit: limit, period: period, now: now)
        return try await pool.write { db in
            let granted = try UnixMillis.fetchOne(
                db,
                sql: """
                    INSERT INTO rate_limits (key, theoretical_arrival_ms) VALUES (?1, ?2 + ?3)
                    ON CONFLICT (key) DO UPDATE SET theoretical_arrival_ms = max(theoretical_arrival_ms, ?2) + ?3
                    WHERE max(theoretical_arrival_ms, ?2) + ?3 - ?2 <= ?4
                    RETURNING theoretical_arrival_ms
                    """,
                arguments: [key, plan.now, plan.intervalMillis, plan.periodMillis]
            )
            if granted != nil { return nil }
            let arrival =
                try UnixMillis.fetchOne(
                    db,
                    sql: "SELECT theoretical_arrival_ms FROM rate_limits WHERE key = ?",
                    arguments: [key]
                ) ?? UnixMillis(0)
            return plan.wait(theoreticalArrival: arrival)
        }
    }

    public func refundRateLimit(key: String, limit: Int, period: Duration, now: UnixMillis) async throws {
        let plan = RateLimitPlan(limit: limit, period: period, now: now)
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE rate_limits SET theoretical_arrival_ms = theoretical_arrival_ms - ? WHERE key = ?",
                arguments: [plan.intervalMillis, key]
            )
        }
    }
}
