public import Foundation
public import HookdCore
import HookdDelivery
public import HookdStore
public import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

/// What every hookd command works on: the data directory, the master key and the store.
///
/// With PostgreSQL the store's connection pool must run while anything uses the store; ``withOpened(dataDirectory:environment:create:databaseURL:logger:_:)``
/// runs it beside the caller's work for the commands, and ``HookdServer/serve(configuration:dataDirectory:databaseURL:environment:logger:onListening:)``
/// runs it as the first service of the server's service group.
public struct HookdRuntime: Sendable {
    /// The data directory.
    public let dataDirectory: DataDirectory
    /// The opened store.
    public let store: any Store
    /// The sealer holding the master key (and, during a rotation, the keys before it).
    public let sealer: SecretSealer
    /// Where the master key came from.
    public let keySource: MasterKeySource
    /// The PostgreSQL store, whose pool must run while the store is used; `nil` for SQLite.
    let pool: PostgresStore?

    /// Opens the runtime, runs `body` with it, and closes it; with PostgreSQL the pool runs while `body` does.
    ///
    /// - Parameters:
    ///   - dataDirectory: The folder of the SQLite store and the key file.
    ///   - environment: The process environment; `HOOKD_MASTER_KEY` there takes precedence over the key file, and
    ///     `HOOKD_PREVIOUS_MASTER_KEYS` (comma-separated) adds keys that open values, and seal only while the
    ///     database's fence still names one of them (see ``SealingKeys``).
    ///   - create: Whether a missing folder and key file may be created (`serve` and `apps create` do).
    ///   - databaseURL: A `postgres://` URL to use PostgreSQL instead of the SQLite file in the data directory.
    /// - Throws: ``RuntimeError`` with a message for the operator when something cannot be opened, and what `body`
    ///   throws.
    public static func withOpened<Result: Sendable>(
        dataDirectory: DataDirectory,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        create: Bool,
        databaseURL: String? = nil,
        logger: Logger = Logger(label: "hookd"),
        _ body: (HookdRuntime) async throws -> Result
    ) async throws -> Result {
        let runtime = try await prepare(
            dataDirectory: dataDirectory,
            environment: environment,
            create: create,
            databaseURL: databaseURL,
            logger: logger
        )
        guard let pool = runtime.pool else {
            try await runtime.checkMasterKey()
            return try await body(runtime)
        }
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask { try await pool.run() }
            defer { group.cancelAll() }
            try await runtime.checkMasterKey()
            return try await body(runtime)
        }
    }

    /// Opens the data directory, the master key and the store (migrated), without using the store's pool yet.
    static func prepare(
        dataDirectory: DataDirectory,
        environment: [String: String],
        create: Bool,
        databaseURL: String?,
        logger: Logger
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
            // During a rotation, the keys values may still be sealed under: they open, they never seal.
            for (index, encoded) in (environment["HOOKD_PREVIOUS_MASTER_KEYS"] ?? "").split(separator: ",").enumerated()
            {
                do {
                    keys.append(try MasterKey(encoded: encoded.trimmingCharacters(in: .whitespaces)))
                } catch {
                    throw RuntimeError("HOOKD_PREVIOUS_MASTER_KEYS: key \(index + 1) is malformed: \(error)")
                }
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
        var pool: PostgresStore?
        if let databaseURL {
            do {
                let postgres = try PostgresStore(url: databaseURL, logger: logger)
                try await postgres.migrate()
                pool = postgres
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
        return HookdRuntime(
            dataDirectory: dataDirectory,
            store: store,
            sealer: SecretSealer(primary: keys[0], additional: Array(keys.dropFirst())),
            keySource: keySource,
            pool: pool
        )
    }

    /// Checks that the master key opens this store's secrets, then seals what an older hookd kept in the clear (the
    /// custom headers of endpoints); with PostgreSQL, the pool must be running.
    func checkMasterKey() async throws {
        do {
            try await ServerSecrets.checkMasterKey(store: store, sealer: sealer)
            let sealing = try await SealingKeys(keyring: sealer, store: store).sealer()
            _ = try await store.sealHeadersKeptInClear { json, appID, endpointID in
                try sealing.seal(
                    Array(json.utf8),
                    purpose: SecretSealer.endpointHeadersPurpose(appID: appID, endpointID: endpointID)
                )
            }
        } catch let error as StoreError where error.isOutdatedMasterKey {
            throw RuntimeError(
                "this database's secrets are sealed under a master key this node does not hold (a rotation has "
                    + "moved on): start it with the key in force as HOOKD_MASTER_KEY"
            )
        } catch is SecretSealingError {
            throw RuntimeError(
                "the master key does not open this database's secrets; start hookd with the key the database was "
                    + "created with (HOOKD_MASTER_KEY or \(dataDirectory.masterKeyPath))"
            )
        }
    }

    /// Whether a master key rotation was interrupted and should be run again.
    public var hasInterruptedRotation: Bool {
        if case .file = keySource { return access(dataDirectory.nextMasterKeyPath, F_OK) == 0 }
        return false
    }

    /// Publishes an event as `POST /internal/events` does (for `hookd publish`); a running server delivers it.
    ///
    /// - Returns: The event's id, its delivery's id, and whether this call created them (`false`: an event with this
    ///   id was published before, and it stands).
    /// - Throws: ``PublishRefused`` naming the field at fault when the publish is refused.
    public func publish(
        appID: AppID,
        event: String,
        data: [UInt8],
        eventID: String?
    ) async throws -> (eventID: EventID, deliveryID: DeliveryID, created: Bool) {
        do {
            let receipt = try await EventPublisher(
                store: store,
                clock: SystemWallClock(),
                signal: nil,
                attemptsAllowed: DeliveryConfiguration().attemptsAllowed
            ).publish(appID: appID, event: event, data: data, eventID: eventID)
            return (receipt.eventID, receipt.deliveryID, receipt.created)
        } catch let error as PublishError {
            throw PublishRefused(field: error.field, description: error.description)
        }
    }

    /// The secret the operator's webhook is signed with (SPEC §14, Standard Webhooks), made the first time it is
    /// asked for.
    public func operatorWebhookSecret() async throws -> String {
        try await ServerSecrets.operatorWebhookSecret(store: store, sealer: sealer).value
    }

    /// The operator key: `HOOKD_OPERATOR_KEY` when set, otherwise the one sealed in the store.
    ///
    /// - Throws: ``RuntimeError`` when `HOOKD_OPERATOR_KEY` carries fewer than 256 bits.
    public func operatorKey(environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> String
    {
        if let key = try Self.configuredOperatorKey(environment) { return key }
        return try await ServerSecrets.operatorKey(store: store, sealer: sealer)
    }

    /// `HOOKD_OPERATOR_KEY`, if set and not empty.
    ///
    /// - Throws: ``RuntimeError`` when it carries fewer than 256 bits (``SecretStrength``): the operator key
    ///   publishes for every app, so a guessable one is refused rather than served.
    public static func configuredOperatorKey(_ environment: [String: String]) throws -> String? {
        guard let key = environment["HOOKD_OPERATOR_KEY"], !key.isEmpty else { return nil }
        guard SecretStrength.isStrong(key) else {
            throw RuntimeError(
                "HOOKD_OPERATOR_KEY must carry at least 256 bits, such as 64 hex digits (openssl rand -hex 32); "
                    + "unset it to use the generated key (hookd operator-key)"
            )
        }
        return key
    }
}

/// A publish the store refused: the field at fault (`appId`, `event`, `data`, `eventId`) and why.
public struct PublishRefused: Error, CustomStringConvertible {
    public let field: String?
    public let description: String
}
