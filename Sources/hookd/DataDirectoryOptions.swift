import ArgumentParser
import HookdServer

/// `--data-dir`, shared by every command that opens the store.
struct DataDirectoryOptions: ParsableArguments {
    @Option(
        name: .customLong("data-dir"),
        help: "The folder of the SQLite store and the master key file (HOOKD_DATA_DIR; default ./.hookd)."
    )
    var dataDirectory: String?

    @Option(
        help: "A postgres:// URL: use PostgreSQL instead of the SQLite file in the data directory (HOOKD_DATABASE)."
    )
    var database: String?

    /// The PostgreSQL URL, when one is configured.
    var databaseURL: String? { database ?? Environment.string("HOOKD_DATABASE") }

    var resolved: DataDirectory {
        DataDirectory(path: dataDirectory ?? Environment.string("HOOKD_DATA_DIR") ?? "./.hookd")
    }

    /// Opens the runtime, runs `body` with it (the PostgreSQL pool running beside it), and closes it; failures to
    /// open become messages for the operator.
    func withRuntime<Result: Sendable>(
        create: Bool,
        _ body: (HookdRuntime) async throws -> Result
    ) async throws -> Result {
        do {
            return try await HookdRuntime.withOpened(
                dataDirectory: resolved,
                create: create || databaseURL != nil,
                databaseURL: databaseURL,
                body
            )
        } catch let error as RuntimeError {
            throw CommandFailure(error.description)
        }
    }
}
