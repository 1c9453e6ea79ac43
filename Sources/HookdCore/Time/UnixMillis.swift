/// A point in time as whole milliseconds since 1970-01-01T00:00:00Z (Unix time): when a delivery was created, when
/// it is due, when an attempt started, when a lease runs out.
///
/// The type carries the unit, so a call cannot pass milliseconds where seconds are meant: ``UnixSeconds`` is the
/// other unit hookd keeps, and the two convert explicitly (`UnixMillis(seconds)` exactly, ``unixSeconds`` rounding
/// down). A span of time is a `Duration`: adding one moves the instant, and the difference of two
/// instants is one.
///
/// ```swift
/// let now = clock.unixMillis
/// let leaseUntil = now + .seconds(30)
/// let wait = leaseUntil - now  // .seconds(30)
/// ```
public struct UnixMillis: UnixInstant {
    /// Whole milliseconds since 1970-01-01T00:00:00Z.
    public var rawValue: Int64

    /// The instant `rawValue` milliseconds after 1970-01-01T00:00:00Z.
    public init(_ rawValue: Int64) {
        self.rawValue = rawValue
    }

    /// The first millisecond of `instant`: the same time, exactly.
    public init(_ instant: UnixSeconds) {
        self.rawValue = instant.rawValue * 1000
    }

    /// The whole second this instant falls in, rounded down: see ``UnixSeconds/init(roundingDown:)``.
    public var unixSeconds: UnixSeconds { UnixSeconds(roundingDown: self) }

    /// The instant `duration` later, moved by whole milliseconds only: the rest of `duration` (toward zero) is
    /// dropped.
    public static func + (instant: UnixMillis, duration: Duration) -> UnixMillis {
        UnixMillis(instant.rawValue + duration.wholeMilliseconds)
    }

    /// The instant `duration` earlier, moved by whole milliseconds only: the rest of `duration` (toward zero) is
    /// dropped.
    public static func - (instant: UnixMillis, duration: Duration) -> UnixMillis {
        UnixMillis(instant.rawValue - duration.wholeMilliseconds)
    }

    /// How long after `earlier` this instant is (negative when it is before).
    public static func - (later: UnixMillis, earlier: UnixMillis) -> Duration {
        .milliseconds(later.rawValue - earlier.rawValue)
    }

    /// The number of milliseconds followed by `ms`, for logs and test failures.
    public var description: String { "\(rawValue) ms" }
}
