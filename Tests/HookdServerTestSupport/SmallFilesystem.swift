package import Foundation
import Testing

/// A filesystem of a few megabytes (a tmpfs mount), for tests of what hookd does when its disk is full. Mounting
/// needs root, as CI runs; elsewhere the tests that need one are skipped.
package enum SmallFilesystem {
    /// Whether this process may mount one.
    package static var isAvailable: Bool {
        geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount")
    }

    /// Runs `body` with the path of a fresh, empty filesystem of `megabytes`, unmounted afterwards whatever happens.
    package static func with<Value>(megabytes: Int, _ body: (URL) async throws -> Value) async throws -> Value {
        let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hookd-small-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: mountPoint) }
        try run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", mountPoint.path])
        do {
            let value = try await body(mountPoint)
            try? run("/bin/umount", ["-l", mountPoint.path])
            return value
        } catch {
            try? run("/bin/umount", ["-l", mountPoint.path])
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

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(tool) \(arguments.joined(separator: " ")) failed")
    }
}
