public import HookdCore

/// Decides how long to wait before retrying a failed attempt.
public protocol RetryPolicy: Sendable {
    /// The delay before the attempt after attempt `number` (1-based) failed.
    ///
    /// - Parameter retryAfter: The receiver's `Retry-After` when it answered 429 or 503 with one.
    func delay(afterAttempt number: Int, retryAfter: Duration?) -> Duration
}

/// A fixed schedule of delays with random jitter, honouring a receiver's `Retry-After` within bounds.
public struct ScheduledRetryPolicy: RetryPolicy {
    public var schedule: [Duration]
    public var jitter: Double
    public var retryAfterBounds: ClosedRange<Duration>
    /// Returns a number in `0..<1`; the system generator unless a test injects another.
    public var random: @Sendable () -> Double

    public init(
        schedule: [Duration],
        jitter: Double,
        retryAfterBounds: ClosedRange<Duration>,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        precondition(!schedule.isEmpty, "a retry schedule needs at least one delay")
        self.schedule = schedule
        self.jitter = jitter
        self.retryAfterBounds = retryAfterBounds
        self.random = random
    }

    /// The policy of the deliveries to `format`'s endpoints: ``DeliveryConfiguration/retrySchedule`` for the v3 URL,
    /// ``DeliveryConfiguration/endpointRetrySchedule`` for v3.20 endpoints.
    public init(_ configuration: DeliveryConfiguration, for format: Endpoint.Format = .v3) {
        let schedule = format == .v3 ? configuration.retrySchedule : configuration.endpointRetrySchedule
        self.init(
            schedule: schedule.isEmpty ? [.seconds(60)] : schedule,
            jitter: configuration.retryJitter,
            retryAfterBounds: configuration.retryAfterBounds
        )
    }

    public func delay(afterAttempt number: Int, retryAfter: Duration?) -> Duration {
        if let retryAfter {
            return min(max(retryAfter, retryAfterBounds.lowerBound), retryAfterBounds.upperBound)
        }
        // A manual retry beyond the schedule waits as long as the last step.
        let base = schedule[min(max(number - 1, 0), schedule.count - 1)]
        let factor = 1 + (random() * 2 - 1) * jitter
        return base * factor
    }
}
