#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A process's memory as Linux reports it in `/proc/PID/status`.
public struct ProcessMemory: Sendable {
    /// Resident set size now, in bytes.
    public var residentBytes: Int
    /// The highest resident set size so far (`VmHWM`), in bytes.
    public var peakResidentBytes: Int

    /// Reads the memory of process `pid`; `nil` when it is gone or `/proc` is not there.
    public static func read(pid: Int32) -> ProcessMemory? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        var current: Int?
        var peak: Int?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("VmRSS:") {
                current = kilobytes(line)
            } else if line.hasPrefix("VmHWM:") {
                peak = kilobytes(line)
            }
        }
        guard let current, let peak else { return nil }
        return ProcessMemory(residentBytes: current * 1024, peakResidentBytes: peak * 1024)
    }

    private static func kilobytes(_ line: Substring) -> Int? {
        line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
    }
}
