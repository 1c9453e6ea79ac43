import ArgumentParser
import HookdServer

/// `hookd operator-key`: prints the key for `POST /internal/events`.
struct OperatorKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator-key",
        abstract: "Print the operator key (HOOKD_OPERATOR_KEY overrides the stored one)."
    )

    @OptionGroup var storage: DataDirectoryOptions

    func run() async throws {
        let runtime = try await storage.open(create: true)
        emit(try await runtime.operatorKey())
    }
}

/// `hookd rotate-master-key`: re-seals every stored secret under a new master key.
struct RotateMasterKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-master-key",
        abstract: "Re-encrypt every stored secret under a new master key.",
        discussion: """
            With a key file, the file is replaced. With HOOKD_MASTER_KEY, the new key is printed once: set it in \
            the environment of every hookd process before restarting them. hookd serve must be stopped.
            """
    )

    @OptionGroup var storage: DataDirectoryOptions

    func run() async throws {
        let dataDirectory = storage.resolved
        let lock: ProcessLock
        do {
            lock = try ProcessLock(path: dataDirectory.lockPath, purpose: "hookd serve")
        } catch let error as RuntimeError {
            throw CommandFailure(error.description)
        }
        defer { lock.release() }
        let runtime = try await storage.open(create: false)
        let outcome = try await MasterKeyRotation.rotate(runtime)
        emit("re-sealed \(outcome.resealed) secrets under the new master key")
        if let newKey = outcome.newEncodedKey {
            emit("new HOOKD_MASTER_KEY (shown only this once; the old key no longer opens anything): \(newKey)")
        }
    }
}

/// `hookd migrate`: brings the database schema up to date without starting the server.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply database migrations and exit."
    )

    @OptionGroup var storage: DataDirectoryOptions

    func run() async throws {
        _ = try await storage.open(create: true)
        emit("database is up to date")
    }
}
