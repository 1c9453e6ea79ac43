import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock on a file, held for the life of the process (or until ``release()``).
///
/// `hookd serve` takes it on the data directory so that two servers never run dispatchers against one SQLite
/// file; the kernel drops it if the process dies, so a crash never leaves a stale lock behind.
public final class ProcessLock: Sendable {
    private let descriptor: Int32

    /// Takes the lock at `path` or fails at once.
    ///
    /// - Throws: ``RuntimeError`` naming the process that holds it.
    public init(path: String, purpose: String) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw RuntimeError("cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = pread(descriptor, &buffer, buffer.count, 0)
            close(descriptor)
            let holder =
                count > 0
                ? String(decoding: buffer.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                : "?"
            throw RuntimeError(
                "another hookd process (pid \(holder)) is using the data directory for \(purpose); "
                    + "stop it first, or give this one another --data-dir"
            )
        }
        ftruncate(descriptor, 0)
        let pid = Array("\(getpid())\n".utf8)
        _ = pwrite(descriptor, pid, pid.count, 0)
        self.descriptor = descriptor
    }

    /// Releases the lock.
    public func release() {
        flock(descriptor, LOCK_UN)
    }

    deinit {
        close(descriptor)
    }
}
