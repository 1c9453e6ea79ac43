public import HookdCore

/// The life of one delivery, one attempt at a time, with no I/O: pending → in flight → succeeded,
/// scheduled for a retry, or failed.
public struct DeliveryStateMachine: Sendable, Equatable {
    /// Where the delivery is.
    public enum State: Sendable, Equatable {
        /// Waiting to be claimed; `attempts` made so far.
        case pending(attempts: Int)
        /// Attempt `attempt` is being sent.
        case inFlight(attempt: Int)
        /// A 2xx came back on attempt `attempts`.
        case succeeded(attempts: Int)
        /// Attempt `attempts` failed; the next is due at `at`.
        case scheduled(attempts: Int, at: UnixMillis)
        /// Attempt `attempts` failed and was the last allowed.
        case failed(attempts: Int)
    }

    /// What the caller must do after an event.
    public enum Action: Sendable, Equatable {
        /// Send attempt `number`.
        case send(number: Int)
        /// Write this outcome: the delivery's status and, when pending, when it is due next.
        case record(status: DeliveryStatus, nextAttemptAt: UnixMillis?)
        /// The event does not apply in this state.
        case ignore
    }

    public private(set) var state: State
    /// Attempts allowed in all.
    public let attemptsAllowed: Int
    private let policy: any RetryPolicy

    public init(attempts: Int, attemptsAllowed: Int, policy: any RetryPolicy) {
        self.state = .pending(attempts: attempts)
        self.attemptsAllowed = attemptsAllowed
        self.policy = policy
    }

    /// A dispatcher claimed the delivery.
    public mutating func claimed() -> Action {
        switch state {
        case .pending(let attempts), .scheduled(let attempts, _):
            state = .inFlight(attempt: attempts + 1)
            return .send(number: attempts + 1)
        case .inFlight, .succeeded, .failed:
            return .ignore
        }
    }

    /// The attempt in flight ended with `outcome` at `now`.
    public mutating func finished(_ outcome: AttemptOutcome, now: UnixMillis) -> Action {
        guard case .inFlight(let number) = state else { return .ignore }
        if outcome.isSuccess {
            state = .succeeded(attempts: number)
            return .record(status: .succeeded, nextAttemptAt: nil)
        }
        if outcome == .failed(.interrupted) {
            // hookd cut the attempt short itself: due again at once, and it does not count against the receiver
            // (the record allows one more attempt).
            state = .scheduled(attempts: number, at: now)
            return .record(status: .pending, nextAttemptAt: now)
        }
        guard number < attemptsAllowed else {
            state = .failed(attempts: number)
            return .record(status: .failed, nextAttemptAt: nil)
        }
        var retryAfter: Duration?
        if case .answered(let status, let after) = outcome, status == 429 || status == 503 {
            retryAfter = after
        }
        let delay = policy.delay(afterAttempt: number, retryAfter: retryAfter)
        let at = now + delay
        state = .scheduled(attempts: number, at: at)
        return .record(status: .pending, nextAttemptAt: at)
    }

    public static func == (lhs: DeliveryStateMachine, rhs: DeliveryStateMachine) -> Bool {
        lhs.state == rhs.state && lhs.attemptsAllowed == rhs.attemptsAllowed
    }
}
