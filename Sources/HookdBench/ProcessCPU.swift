#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif

/// The CPU time a process has used, as Linux reports it in `/proc/PID/stat`: steadier than a rate on a shared
/// machine, because another process's load slows hookd's clock time but not its own CPU per delivery.
public struct ProcessCPU: Sendable {
    /// User and system time together, in seconds.
    public var seconds: Double

    /// Reads the CPU time of process `pid`; `nil` when it is gone or `/proc` is not there.
    public static func read(pid: Int32) -> ProcessCPU? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // The command name (field 2) may hold spaces; the fields after its `)` are: state (3), ppid (4), …,
        // utime (14), stime (15), in clock ticks.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        #if canImport(Glibc)
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        #else
        let ticksPerSecond = 100.0
        #endif
        return ProcessCPU(seconds: (user + system) / max(ticksPerSecond, 1))
    }
}
