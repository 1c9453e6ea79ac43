/// What ``UnixSeconds`` and ``UnixMillis`` share: an instant as a whole number of its unit since
/// 1970-01-01T00:00:00Z, ordered as time is.
///
/// Code that stores or orders either one (a database column holds a number of one unit) is written once against
/// this protocol; code that means one unit names that type.
public protocol UnixInstant: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Whole units since 1970-01-01T00:00:00Z.
    var rawValue: Int64 { get }

    /// The instant `rawValue` units after 1970-01-01T00:00:00Z.
    init(_ rawValue: Int64)
}

extension UnixInstant {
    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
