import Foundation
import HookdCore
import Testing

/// A data directory for `hookd` processes: a path under the temporary directory that is removed after the body.
package enum ScratchDirectory {
    /// Runs `body` with a new path named `<prefix>-<UUID>` (not created: `hookd` makes it), then removes it.
    package static func with<Value>(prefix: String, _ body: (String) async throws -> Value) async throws -> Value {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        return try await runThenCleanUp {
            try await body(path)
        } cleanUp: {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// Creates an app named `name` with `hookd apps create --json` in `directory` and returns what it printed
    /// (`appId`, `secretKey`, …).
    package static func createApp(named name: String, in directory: String) async throws -> [String: String] {
        let created = try await ChildProcess.run(["apps", "create", "--name", name, "--json", "--data-dir", directory])
        return try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: String])
    }
}
