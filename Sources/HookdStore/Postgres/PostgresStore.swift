public import HookdCore
public import PostgresNIO
public import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
public import Musl
#elseif canImport(Darwin)
public import Darwin
#endif

/// The shared store: PostgreSQL through postgres-nio's pooled ``PostgresClient``, for several hookd processes.
///
/// Every write is one statement (`INSERT … ON CONFLICT … RETURNING`, `UPDATE … RETURNING`, data-modifying `WITH`)
/// or one transaction, so processes sharing the database never race on a read-then-write. Dispatchers share the
/// delivery queue through `FOR UPDATE SKIP LOCKED` claims with expiring leases.
///
/// ```swift
/// let store = try PostgresStore(url: "postgres://hookd:secret@db:5432/hookd", logger: logger)
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { try await store.run() }
///     try await store.migrate()
///     // … serve …
/// }
/// ```
public final class PostgresStore: Store, Service {
    let client: PostgresClient
    /// The dispatcher's pool (``Configuration/dispatchConnections``): claims, attempt records, publishes and the
    /// next due time, prepared once per connection and planned once (``plannedOnceSettings``).
    let dispatchClient: PostgresClient
    let logger: Logger
    private let configuration: Configuration
    private let connectionConfiguration: PostgresConnection.Configuration

    /// Prepares a store for the database at `url`; nothing connects until ``run()`` and ``migrate()``.
    ///
    /// - Parameters:
    ///   - url: `postgres://user:password@host:port/database`, see ``Configuration/init(url:)``.
    ///   - logger: Receives the store's lifecycle messages and the pool's background messages.
    /// - Throws: ``StoreError/PostgresConnectionError`` when the URL cannot be used, or NIOSSL's error when the
    ///   TLS configuration cannot be built.
    public convenience init(url: String, logger: Logger) throws {
        try self.init(configuration: Configuration(url: url), logger: logger)
    }

    /// Prepares a store with an explicit configuration; nothing connects until ``run()`` and ``migrate()``.
    ///
    /// - Parameters:
    ///   - configuration: Where the server is and how to connect.
    ///   - logger: Receives the store's lifecycle messages and the pool's background messages.
    /// - Throws: NIOSSL's error when the TLS configuration cannot be built.
    public init(configuration: Configuration, logger: Logger) throws {
        self.configuration = configuration
        self.connectionConfiguration = try configuration.connectionConfiguration()
        self.logger = logger
        self.client = PostgresClient(configuration: configuration.clientConfiguration(), backgroundLogger: logger)
        self.dispatchClient = PostgresClient(
            configuration: configuration.dispatchClientConfiguration(),
            backgroundLogger: logger
        )
    }

    /// Runs the connection pools until the calling task is cancelled or, in a `ServiceGroup`, shut down gracefully.
    ///
    /// Every query waits until this runs, so start it first and keep it running while anything uses the store.
    /// - Important: It must be called once. In a `ServiceGroup`, list the store before the services that use it,
    ///   so it is shut down after them and in-flight attempts can still be recorded.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.client.run() }
                group.addTask { await self.dispatchClient.run() }
            }
        }
    }

    /// Brings the schema up to date, safely when several hookd processes start at once.
    ///
    /// Opens one connection of its own (so an unreachable server is reported at once, and ``run()`` need not be
    /// running yet), takes a transaction-scoped advisory lock, and applies the missing numbered migrations in that
    /// transaction, recording each in `hookd_migrations`.
    /// - Returns: The identifiers of the migrations this call applied, in order; empty when none was missing.
    /// - Throws: ``StoreError/schemaNewerThanBinary(applied:)`` when the database holds migrations this binary does
    ///   not know; ``StoreError/PostgresConnectionError`` when the server cannot be reached or refuses the login.
    @discardableResult
    public func migrate() async throws -> [String] {
        let connection = try await connectOutsidePool()
        do {
            let applied = try await PostgresMigrations.migrate(connection, logger: logger)
            try? await connection.close()
            if !applied.isEmpty {
                logger.info(
                    "migrated the PostgreSQL schema",
                    metadata: ["hookd.migrations": "\(applied.joined(separator: ","))"]
                )
            }
            return applied
        } catch {
            try? await connection.close()
            throw error
        }
    }

    func connectOutsidePool() async throws -> PostgresConnection {
        do {
            return try await PostgresConnection.connect(
                configuration: connectionConfiguration,
                id: 0,
                logger: logger
            )
        } catch {
            throw Self.connectionFailure(error, configuration: configuration)
        }
    }

    /// Turns a failure to connect into an operator's message naming `host:port`.
    static func connectionFailure(_ error: any Error, configuration: Configuration) -> any Error {
        let host = configuration.host
        let port = configuration.port
        guard let error = error as? PSQLError else {
            return StoreError.postgresUnreachable(host: host, port: port, detail: networkDetail(error))
        }
        switch error.code {
        case .server:
            let message = error.serverInfo?[.message] ?? "no reason given"
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return StoreError.postgresRefused(host: host, port: port, message: message + state)
        case .sslUnsupported:
            return StoreError.postgresRefused(
                host: host,
                port: port,
                message: "it does not offer TLS, which sslmode=\(configuration.tls.rawValue) requires"
            )
        case .authMechanismRequiresPassword:
            return StoreError.postgresRefused(
                host: host,
                port: port,
                message: "it asks for a password and none was given"
            )
        case .unsupportedAuthMechanism, .saslError:
            return StoreError.postgresRefused(host: host, port: port, message: "its authentication method failed")
        default:
            let detail = error.underlying.map(networkDetail) ?? "\(error.code)"
            return StoreError.postgresUnreachable(host: host, port: port, detail: detail)
        }
    }

    private static func networkDetail(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
                return "the host name does not resolve"
            }
            if let first = error.connectionErrors.first {
                return networkDetail(first.error)
            }
        }
        if let error = error as? IOError {
            return describeErrno(error.errnoCode)
        }
        if let error = error as? ChannelError, case .connectTimeout(let amount) = error {
            return "no answer within \(amount.nanoseconds / 1_000_000) ms"
        }
        return "\(error)"
    }

    private static func describeErrno(_ code: CInt) -> String {
        switch code {
        case ECONNREFUSED: "connection refused"
        case ETIMEDOUT: "connection timed out"
        case EHOSTUNREACH: "host unreachable"
        case ENETUNREACH: "network unreachable"
        default: "connect failed (errno \(code))"
        }
    }

    // MARK: Health

    public func ping() async throws {
        try await execute("SELECT 1")
    }

    public func probeWrite(now: UnixMillis) async throws {
        try await execute(
            """
            INSERT INTO write_probe (id, probed_at) VALUES (1, \(now.rawValue))
            ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at
            """
        )
    }

    // MARK: Running queries

    /// Runs one statement on a pooled connection and returns all its rows.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await guarded { [client, logger] in
            try await client.query(query, logger: logger).collect()
        }
    }

    /// Runs one statement on a pooled connection, ignoring any rows.
    func execute(_ query: PostgresQuery) async throws {
        try await guarded { [client, logger] in
            try await client.query(query, logger: logger).consume()
        }
    }

    /// Runs `body` in a transaction on one pooled connection: committed when it returns, rolled back when it throws.
    ///
    /// Unlike postgres-nio's `withTransaction`, the error `body` threw is rethrown as it is. The whole transaction
    /// must finish within the query timeout.
    func withTransaction<Result: Sendable>(
        _ begin: PostgresQuery = "BEGIN",
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await guarded { [self] in
            try await withUntimedTransaction(begin, body)
        }
    }

    /// ``withTransaction(_:_:)`` without the query timeout, for operator commands whose work grows with the data.
    func withUntimedTransaction<Result: Sendable>(
        _ begin: PostgresQuery = "BEGIN",
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await transaction(on: client, begin, body)
    }

    /// A transaction on a connection of `pool`: committed when `body` returns, rolled back when it throws.
    func transaction<Result: Sendable>(
        on pool: PostgresClient,
        _ begin: PostgresQuery = "BEGIN",
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await pool.withConnection { connection in
            try await connection.query(begin, logger: logger).consume()
            do {
                let result = try await body(connection)
                // A caller that has stopped waiting (the query timeout) has been told nothing was done: keep it so.
                try Task.checkCancellation()
                try await connection.query("COMMIT", logger: logger).consume()
                return result
            } catch {
                do {
                    try await connection.query("ROLLBACK", logger: logger).consume()
                } catch {
                    // A connection whose transaction cannot be ended must not go back to the pool.
                    try? await connection.close()
                }
                throw error
            }
        }
    }

    /// Runs `operation` within the query timeout, and turns a lost or unreachable database into
    /// ``StoreError/unavailable(_:)`` so callers can tell "try again shortly" from a real failure.
    ///
    /// The server cancels a statement at the query timeout (`statement_timeout`); the wait here lasts 2 s longer, so
    /// the server's answer (the statement rolled back) normally arrives first, and ends even when none comes.
    func guarded<Result: Sendable>(
        _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        do {
            return try await abandoning(after: configuration.queryTimeout + .seconds(2), operation)
        } catch let error as PSQLError {
            throw Self.unavailability(error) ?? error
        }
    }

    /// ``StoreError/unavailable(_:)`` for the errors that mean the database is out of reach rather than that the
    /// statement was refused, and for the master key fence's refusal (sealed again, the write succeeds); `nil` for
    /// the others.
    static func unavailability(_ error: PSQLError) -> StoreError? {
        switch error.code {
        case .clientClosedConnection, .serverClosedConnection, .connectionError, .uncleanShutdown, .poolClosed:
            return .unavailable(.connectionLost(detail: "\(error.code)"))
        case .server:
            // Class 08 is "connection exception"; 57P01–57P03 are the server shutting down or starting up; 57014 is
            // a statement cancelled at the query timeout (rolled back) and 25P03 a session ended idle in a
            // transaction: nothing was done, and the same request may be made again.
            guard let state = error.serverInfo?[.sqlState] else { return nil }
            // HK001: the master key fence refused a value sealed under an outdated key (migration 0005).
            if state == "HK001" { return .unavailable(.outdatedMasterKey) }
            if let reason = cannotWriteReason(sqlState: state) { return .unavailable(.cannotWrite(reason: reason)) }
            guard state.hasPrefix("08") || ["57P01", "57P02", "57P03", "57014", "25P03"].contains(state) else {
                return nil
            }
            return .unavailable(.connectionLost(detail: "SQLSTATE \(state)"))
        default:
            return nil
        }
    }

    /// Why a statement failed with `sqlState` if the server cannot write: class 53 (insufficient resources: `53100`
    /// disk full, `53200` out of memory), `25006` (a read-only transaction: a standby, or
    /// `default_transaction_read_only`), `58030` (an I/O error); `nil` for the others.
    static func cannotWriteReason(sqlState state: String) -> String? {
        switch state {
        case "53100": "the database server's disk is full"
        case "53200": "the database server is out of memory"
        case "25006": "the database is read-only"
        case "58030": "the database server's disk failed a read or a write"
        case _ where state.hasPrefix("53") && state != "53300": "the database server is out of resources"
        default: nil
        }
    }

    /// Runs `body` in a read-only transaction that sees one snapshot, for reads that must agree with each other.
    func withReadSnapshot<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }
}

extension AsyncSequence {
    /// Reads the rest of the rows and drops them, so the connection is free for the next statement.
    func consume() async throws {
        for try await _ in self {}
    }
}

extension PostgresRandomAccessRow {
    /// The value of `column`, decoded as the type the caller expects.
    func decode<Value: PostgresDecodable>(_ column: String, as type: Value.Type = Value.self) throws -> Value {
        try self[column].decode(Value.self)
    }

    /// The bytes of a `bytea` column.
    func bytes(_ column: String) throws -> [UInt8] {
        Array(try self[column].decode(ByteBuffer.self).readableBytesView)
    }

    /// The bytes of a nullable `bytea` column.
    func optionalBytes(_ column: String) throws -> [UInt8]? {
        try self[column].decode(ByteBuffer?.self).map { Array($0.readableBytesView) }
    }
}
