/// A point in time as whole seconds since 1970-01-01T00:00:00Z (Unix time): when an app, a webhook configuration or
/// a secret changed, when a token expires.
///
/// The type carries the unit, so a call cannot pass seconds where milliseconds are meant: ``UnixMillis`` is the
/// other unit hookd keeps, and the two convert explicitly (`UnixMillis(seconds)` exactly, ``UnixMillis/unixSeconds``
/// rounding down). A span of time is a `Duration`: adding one moves the instant, and the
/// difference of two instants is one.
///
/// ```swift
/// let issued = clock.unixSeconds
/// let expires = issued + .seconds(86_400)
/// Timestamp.iso8601(expires)  // "2026-01-16T10:30:00+00:00"
/// ```
public struct UnixSeconds: UnixInstant {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    public var rawValue: Int64

    /// The instant `rawValue` seconds after 1970-01-01T00:00:00Z.
    public init(_ rawValue: Int64) {
        self.rawValue = rawValue
    }

    /// The whole second `instant` falls in, rounded down (toward the past): 1 999 ms is second 1, and −1 ms is
    /// second −1.
    public init(roundingDown instant: UnixMillis) {
        let (quotient, remainder) = instant.rawValue.quotientAndRemainder(dividingBy: 1000)
        self.rawValue = remainder < 0 ? quotient - 1 : quotient
    }

    /// The instant `duration` later, moved by whole seconds only: the rest of `duration` (toward zero) is dropped.
    public static func + (instant: UnixSeconds, duration: Duration) -> UnixSeconds {
        UnixSeconds(instant.rawValue + duration.components.seconds)
    }

    /// The instant `duration` earlier, moved by whole seconds only: the rest of `duration` (toward zero) is dropped.
    public static func - (instant: UnixSeconds, duration: Duration) -> UnixSeconds {
        UnixSeconds(instant.rawValue - duration.components.seconds)
    }

    /// How long after `earlier` this instant is (negative when it is before).
    public static func - (later: UnixSeconds, earlier: UnixSeconds) -> Duration {
        .seconds(later.rawValue - earlier.rawValue)
    }

    /// The number of seconds followed by `s`, for logs and test failures.
    public var description: String { "\(rawValue) s" }
}
