#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The monotonic clock every timestamp of a benchmark is read from, in nanoseconds.
///
/// One clock for the sender, the receiver and hookd's side of the measurement (they share the process or the
/// machine), so a lag is a plain difference.
public enum BenchClock {
    /// Nanoseconds since an arbitrary fixed point (`CLOCK_MONOTONIC`).
    public static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// Seconds between two readings of ``now()``.
    public static func seconds(from start: UInt64, to end: UInt64) -> Double {
        Double(end &- start) / 1e9
    }
}
