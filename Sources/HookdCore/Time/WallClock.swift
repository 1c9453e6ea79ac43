#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The source of the current time. Production code reads ``SystemWallClock``; tests inject their own.
public protocol WallClock: Sendable {
    /// The current time.
    var now: Date { get }
}

/// The operating system's clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public var now: Date { Date() }
}

extension WallClock {
    /// The current time in whole Unix seconds, rounded down.
    public var unixSeconds: UnixSeconds { UnixSeconds(Int64(now.timeIntervalSince1970.rounded(.down))) }

    /// The current time in whole Unix milliseconds, rounded down.
    public var unixMillis: UnixMillis { UnixMillis(Int64((now.timeIntervalSince1970 * 1000).rounded(.down))) }
}
