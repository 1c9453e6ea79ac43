package import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A filesystem of a few megabytes (a tmpfs mount), for tests of what hookd does when its disk is full. Mounting
/// needs root, as CI runs; elsewhere the tests that need one are skipped.
package enum SmallFilesystem {
    /// Whether this process may mount one.
    package static var isAvailable: Bool {
        #if canImport(Glibc)
        geteuid() == 0
        #else
        false
        #endif
    }

    /// Runs `body` with the path of a fresh, empty filesystem of `megabytes`, unmounted afterwards whatever happens.
    package static func with<Value>(megabytes: Int, _ body: (URL) async throws -> Value) async throws -> Value {
        let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hookd-small-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: mountPoint) }
        try mountTmpfs(at: mountPoint.path, megabytes: megabytes)
        do {
            let value = try await body(mountPoint)
            unmount(mountPoint.path)
            return value
        } catch {
            unmount(mountPoint.path)
            throw error
        }
    }

    /// Fills the filesystem that holds `directory` with one file, until a write fails for want of space, then gives
    /// back `leaving` bytes of it.
    ///
    /// - Returns: The file, to remove when room is wanted again.
    package static func fill(_ directory: URL, leaving: Int = 0) throws -> URL {
        let filler = directory.appendingPathComponent("filler")
        // A failure here shows as the `FileHandle` that follows throwing.
        _ = FileManager.default.createFile(atPath: filler.path, contents: nil)
        let handle = try FileHandle(forWritingTo: filler)
        defer { try? handle.close() }
        let chunk = Data(repeating: 0x5A, count: 4096)
        while (try? handle.write(contentsOf: chunk)) != nil {}
        let size = try handle.offset()
        try handle.truncate(atOffset: size > UInt64(leaving) ? size - UInt64(leaving) : 0)
        return filler
    }

    // The mount and unmount are system calls rather than `/bin/mount` run through Foundation's `Process`: a
    // `Process.run()` beside the suite's many spawned `hookd`s crashed the test process once (in its copying).

    private static func mountTmpfs(at path: String, megabytes: Int) throws {
        #if canImport(Glibc)
        let status = Glibc.mount("tmpfs", path, "tmpfs", 0, "size=\(megabytes)m")
        try #require(status == 0, "mounting a tmpfs at \(path) failed: errno \(errno)")
        #else
        Issue.record("mounting a tmpfs needs Linux")
        #endif
    }

    /// Detaches the mount at once; the kernel frees it when nothing has it open any more.
    private static func unmount(_ path: String) {
        #if canImport(Glibc)
        _ = umount2(path, Int32(MNT_DETACH))
        #endif
    }
}
