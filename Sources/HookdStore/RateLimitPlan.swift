import HookdCore

/// The arithmetic of the generic cell rate algorithm, shared by every store's rate limiter.
///
/// One unit is emitted every `period / limit`; a burst of up to `limit` units is allowed. The store keeps one number
/// per key, the theoretical arrival time of the next unit (Unix milliseconds, the `theoretical_arrival_ms` column),
/// and allows a request when advancing it would not put it more than one period ahead of now. The plan works in the
/// column's unit: whole milliseconds.
struct RateLimitPlan {
    let intervalMillis: Int64
    let periodMillis: Int64
    let now: UnixMillis

    init(limit: Int, period: Duration, now: UnixMillis) {
        let periodMillis = period.wholeMilliseconds
        precondition(limit > 0 && periodMillis > 0, "a rate limit needs a positive limit and period")
        self.intervalMillis = max(1, periodMillis / Int64(limit))
        self.periodMillis = periodMillis
        self.now = now
    }

    /// How long a refused request must wait, given the stored theoretical arrival time.
    func wait(theoreticalArrival: UnixMillis) -> Duration {
        .milliseconds(max(1, (max(theoreticalArrival, now) - now).wholeMilliseconds + intervalMillis - periodMillis))
    }

    /// Whether a request now would be refused, without taking a unit: `nil` when it would be allowed, otherwise
    /// how long it must wait. `theoreticalArrival` is `nil` for a key never used.
    func waitIfFull(theoreticalArrival: UnixMillis?) -> Duration? {
        guard let theoreticalArrival else { return nil }
        let allowed = (max(theoreticalArrival, now) - now).wholeMilliseconds + intervalMillis <= periodMillis
        return allowed ? nil : wait(theoreticalArrival: theoreticalArrival)
    }
}
