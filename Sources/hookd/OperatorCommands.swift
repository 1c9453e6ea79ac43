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
        emit(try await storage.withRuntime(create: true) { runtime in try await runtime.operatorKey() })
    }
}

/// `hookd operator-webhook-secret`: prints the secret the operator's webhook is signed with.
struct OperatorWebhookSecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator-webhook-secret",
        abstract: "Print the secret that signs the operator's webhook (--operator-webhook-url), making it if needed.",
        discussion: """
            Deliveries to the operator's webhook carry the Standard Webhooks headers (webhook-id, webhook-timestamp, \
            webhook-signature), so any Standard Webhooks verifier accepts them with this secret.
            """
    )

    @OptionGroup var storage: DataDirectoryOptions

    func run() async throws {
        emit(try await storage.withRuntime(create: true) { runtime in try await runtime.operatorWebhookSecret() })
    }
}

/// `hookd rotate-master-key`: re-seals every stored secret under a new master key.
struct RotateMasterKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-master-key",
        abstract: "Re-encrypt every stored secret under a new master key.",
        discussion: """
            With a key file (SQLite), a new key is made and the file replaced; hookd serve must be stopped. \
            With HOOKD_MASTER_KEY, you make the new key (head -c 32 /dev/urandom | base64): restart every node with \
            it as HOOKD_MASTER_KEY and the old one in HOOKD_PREVIOUS_MASTER_KEYS, run this with the same two \
            variables to re-seal everything under the new key (the database then refuses anything sealed under the \
            old one), then drop HOOKD_PREVIOUS_MASTER_KEYS. Nothing is printed but the count, and nodes may keep \
            serving meanwhile.
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
        let outcome = try await storage.withRuntime(create: false) { runtime in
            try await MasterKeyRotation.rotate(runtime)
        }
        emit("re-sealed \(outcome.resealed) secrets under the new master key")
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
        try await storage.withRuntime(create: true) { _ in }
        emit("database is up to date")
    }
}
