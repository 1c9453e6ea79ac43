/// An endpoint's `rateLimit` as the fair queue applies it: the generic cell rate algorithm on the queue row, so every
/// node sharing the database sees one state.
///
/// Each delivery moves the row's theoretical arrival time (`rate_tat`, Unix milliseconds) on by one interval
/// (1/rate s); a delivery may start while that time is at most one second minus one interval ahead of now, so a
/// burst of up to `rate` deliveries in a second is allowed and the long-run rate never exceeds `rate`. The PostgreSQL
/// claim writes the same formulas in SQL.
import HookdCore

struct EndpointRate {
    /// Deliveries per second.
    let perSecond: Int

    /// Milliseconds between two deliveries at the full rate.
    var interval: Double { 1_000 / Double(perSecond) }
    /// How far ahead of now the arrival time may be: one second's burst less one interval.
    var tolerance: Double { 1_000 - interval }

    /// How many deliveries may start at `now`.
    ///
    /// The arithmetic is on the instants' milliseconds as `Double`, in the order the claim's SQL writes it.
    func allowance(arrival: UnixMillis, now: UnixMillis) -> Int {
        let (arrival, now) = (Double(arrival.rawValue), Double(now.rawValue))
        return max(0, Int(((now + tolerance - max(arrival, now)) / interval).rounded(.down)) + 1)
    }

    /// The arrival time after `count` deliveries started at `now`, rounded up to a whole millisecond.
    func arrival(after count: Int, from arrival: UnixMillis, now: UnixMillis) -> UnixMillis {
        UnixMillis(Int64((Double(max(arrival, now).rawValue) + Double(count) * interval).rounded(.up)))
    }
}
