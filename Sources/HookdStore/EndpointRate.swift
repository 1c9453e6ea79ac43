/// An endpoint's `rateLimit` as the fair queue applies it: the generic cell rate algorithm on the queue row, so every
/// node sharing the database sees one state.
///
/// Each delivery moves the row's theoretical arrival time (`rate_tat`, Unix milliseconds) on by one interval
/// (1/rate s); a delivery may start while that time is at most one second minus one interval ahead of now, so a
/// burst of up to `rate` deliveries in a second is allowed and the long-run rate never exceeds `rate`. The PostgreSQL
/// claim writes the same formulas in SQL.
struct EndpointRate {
    /// Deliveries per second.
    let perSecond: Int

    /// Milliseconds between two deliveries at the full rate.
    var interval: Double { 1_000 / Double(perSecond) }
    /// How far ahead of now the arrival time may be: one second's burst less one interval.
    var tolerance: Double { 1_000 - interval }

    /// How many deliveries may start at `now`.
    func allowance(arrival: Int64, now: Int64) -> Int {
        max(0, Int(((Double(now) + tolerance - Double(max(arrival, now))) / interval).rounded(.down)) + 1)
    }

    /// The arrival time after `count` deliveries started at `now`.
    func arrival(after count: Int, from arrival: Int64, now: Int64) -> Int64 {
        Int64((Double(max(arrival, now)) + Double(count) * interval).rounded(.up))
    }
}
