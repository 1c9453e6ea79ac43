import Foundation
import HookdCore
import HookdStore
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens what the operator commands work on: the data directory, the master key and the store.
public struct HookdRuntime: Sendable {
    /// The data directory.
    public let dataDirectory: DataDirectory
    /// The opened store.
    public let store: any Store
    /// The sealer holding the master key (and, after an interrupted rotation, the next one).
    public let sealer: SecretSealer
    /// Where the master key came from.
    public let keySource: MasterKeySource
    /// Runs the PostgreSQL connection pool while the runtime is open; `nil` for SQLite.
    private let storeTask: Task<Void, Never>?

    /// Opens the data directory, creating it, the key file and the database on first use when `create` is set.
    ///
    /// - Parameters:
    ///   - dataDirectory: The folder of the SQLite store and the key file.
    ///   - environment: The process environment; `HOOKD_MASTER_KEY` there takes precedence over the key file.
    ///   - create: Whether a missing folder and key file may be created (`serve` and `apps create` do).
    ///   - databaseURL: A `postgres://` URL to use PostgreSQL instead of the SQLite file in the data directory.
    public static func open(
        dataDirectory: DataDirectory,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        create: Bool,
        databaseURL: String? = nil,
        logger: Logger = Logger(label: "hookd")
    ) async throws -> HookdRuntime {
        if create {
            try dataDirectory.create()
        } else if access(dataDirectory.path, F_OK) != 0 {
            throw RuntimeError("the data directory \(dataDirectory.path) does not exist; start hookd serve first")
        }
        let keySource: MasterKeySource
        var keys: [MasterKey]
        if let encoded = environment["HOOKD_MASTER_KEY"], !encoded.isEmpty {
            do {
                let key = try MasterKey(encoded: encoded)
                keySource = .environment(key)
                keys = [key]
            } catch {
                throw RuntimeError("HOOKD_MASTER_KEY is malformed: \(error)")
            }
        } else {
            keySource = .file(path: dataDirectory.masterKeyPath)
            keys = [try MasterKeyFile.load(path: dataDirectory.masterKeyPath, create: create)]
            if access(dataDirectory.nextMasterKeyPath, F_OK) == 0 {
                // An interrupted rotation: values may be sealed under either key until it is run again.
                keys.append(try MasterKeyFile.read(path: dataDirectory.nextMasterKeyPath))
            }
        }
        let store: any Store
        var storeTask: Task<Void, Never>?
        if let databaseURL {
            do {
                let postgres = try PostgresStore(url: databaseURL, logger: logger)
                try await postgres.migrate()
                storeTask = Task { try? await postgres.run() }
                store = postgres
            } catch {
                throw RuntimeError("\(error)")
            }
        } else {
            do {
                store = try SQLiteStore(path: dataDirectory.databasePath)
            } catch let error as StoreError {
                throw RuntimeError("\(error)")
            } catch {
                throw RuntimeError("cannot open the database \(dataDirectory.databasePath): \(error)")
            }
        }
        let sealer = SecretSealer(primary: keys[0], additional: Array(keys.dropFirst()))
        do {
            try await ServerSecrets.checkMasterKey(store: store, sealer: sealer)
        } catch is SecretSealingError {
            storeTask?.cancel()
            throw RuntimeError(
                "the master key does not open this database's secrets; start hookd with the key the database was "
                    + "created with (HOOKD_MASTER_KEY or \(dataDirectory.masterKeyPath))"
            )
        }
        return HookdRuntime(
            dataDirectory: dataDirectory,
            store: store,
            sealer: sealer,
            keySource: keySource,
            storeTask: storeTask
        )
    }

    /// Stops the PostgreSQL connection pool, if there is one. Call it when done with the store.
    public func close() async {
        storeTask?.cancel()
        await storeTask?.value
    }

    /// Whether a master key rotation was interrupted and should be run again.
    public var hasInterruptedRotation: Bool {
        if case .file = keySource { return access(dataDirectory.nextMasterKeyPath, F_OK) == 0 }
        return false
    }

    /// The operator key: `HOOKD_OPERATOR_KEY` when set, otherwise the one sealed in the store.
    public func operatorKey(environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> String
    {
        if let key = environment["HOOKD_OPERATOR_KEY"], !key.isEmpty { return key }
        return try await ServerSecrets.operatorKey(store: store, sealer: sealer)
    }
}
