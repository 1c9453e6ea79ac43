import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads everything a child process writes to a pipe, on a thread of its own, until the pipe ends.
///
/// Foundation's `readabilityHandler` is not used: on Linux it keeps firing with empty reads once the writer has
/// gone and never lets its descriptor go. A blocking read on a dedicated thread ends at end-of-file, by itself, and
/// the descriptor is closed there.
public final class PipeDrain: Sendable {
    /// What the reading thread shares with readers.
    private final class Drained: Sendable {
        let text = Mutex("")
        let finished = Atomic<Bool>(false)
    }

    private let drained = Drained()

    /// Starts draining `descriptor`, the reading end of a pipe whose writing end only the child holds; the
    /// descriptor is closed at the end.
    public init(descriptor: Int32) {
        let thread = Thread { [drained] in
            // read(2) itself, not `availableData`: Foundation traps when a signal interrupts its read (EINTR).
            var buffer = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                let decoded = String(decoding: buffer[..<count], as: UTF8.self)
                drained.text.withLock { $0 += decoded }
            }
            close(descriptor)
            drained.finished.store(true, ordering: .releasing)
        }
        thread.name = "hookd-pipe-drain"
        thread.start()
    }

    /// What has been read so far.
    public var value: String { drained.text.withLock { $0 } }

    /// Whether the pipe has ended (the child closed it, usually by exiting).
    public var isFinished: Bool { drained.finished.load(ordering: .acquiring) }
}
