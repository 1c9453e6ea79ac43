import Synchronization

/// A clock that moves only when a test moves it, for cache expiry without sleeping.
final class ManualClock: Sendable {
    private let instant = Mutex(ContinuousClock.now)

    /// The current time.
    var now: ContinuousClock.Instant { instant.withLock { $0 } }

    /// Moves the time on by `duration`.
    func advance(by duration: Duration) {
        instant.withLock { $0 += duration }
    }

    /// The clock as the resolver takes it.
    var function: @Sendable () -> ContinuousClock.Instant {
        { self.now }
    }
}
