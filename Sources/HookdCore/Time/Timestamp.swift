#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes times the way the API does: ISO 8601, UTC, second precision, with `+00:00`.
public enum Timestamp {
    /// Formats an instant as `2026-01-15T10:30:00+00:00`.
    ///
    /// An instant in milliseconds is written as the second it falls in: `Timestamp.iso8601(instant.unixSeconds)`.
    public static func iso8601(_ instant: UnixSeconds) -> String {
        var seconds = time_t(instant.rawValue)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
            + "T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))+00:00"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Formats an instant as `2026-01-15T10:30:00Z` (the v3.20 delivery body's `timestamp`).
    public static func iso8601Zulu(_ instant: UnixSeconds) -> String {
        String(iso8601(instant).dropLast("+00:00".count)) + "Z"
    }
}
