import ArgumentParser
import HookdServer

/// `--data-dir`, shared by every command that opens the store.
struct DataDirectoryOptions: ParsableArguments {
    @Option(
        name: .customLong("data-dir"),
        help: "The folder of the SQLite store and the master key file (HOOKD_DATA_DIR; default ./.hookd)."
    )
    var dataDirectory: String?

    var resolved: DataDirectory {
        DataDirectory(path: dataDirectory ?? Environment.string("HOOKD_DATA_DIR") ?? "./.hookd")
    }

    /// Opens the runtime, turning failures into messages for the operator.
    func open(create: Bool) async throws -> HookdRuntime {
        do {
            return try await HookdRuntime.open(dataDirectory: resolved, create: create)
        } catch let error as RuntimeError {
            throw CommandFailure(error.description)
        }
    }
}
