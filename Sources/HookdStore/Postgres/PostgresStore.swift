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
    }

    /// Runs the connection pool until the calling task is cancelled or, in a `ServiceGroup`, shut down gracefully.
    ///
    /// Every query waits until this runs, so start it first and keep it running while anything uses the store.
    /// - Important: It must be called once. In a `ServiceGroup`, list the store before the services that use it,
    ///   so it is shut down after them and in-flight attempts can still be recorded.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.client.run()
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

    // MARK: Apps

    public func insertApp(_ app: App) async throws {
        try await execute(
            """
            INSERT INTO apps
                (id, business_id, name, type, status, scopes, secret_key_digest, created_at, tokens_not_before)
            VALUES (\(app.id), \(app.businessID), \(app.name), \(app.type.rawValue), \(app.status.rawValue),
                    \(app.scopes.map(\.rawValue).joined(separator: ",")), \(ByteBuffer(bytes: app.secretKeyDigest)),
                    \(app.createdAt), \(app.tokensNotBefore))
            """
        )
    }

    public func app(id: String) async throws -> App? {
        try await rows(
            """
            SELECT id, business_id, name, type, status, scopes, secret_key_digest, created_at, tokens_not_before
            FROM apps WHERE id = \(id)
            """
        ).first.map(Self.app(from:))
    }

    public func apps() async throws -> [App] {
        try await rows(
            """
            SELECT id, business_id, name, type, status, scopes, secret_key_digest, created_at, tokens_not_before
            FROM apps ORDER BY created_at, id
            """
        ).map(Self.app(from:))
    }

    public func updateAppStatus(id: String, status: AppStatus, retiringTokensBefore: Int64?) async throws -> App? {
        try await rows(
            """
            UPDATE apps SET status = \(status.rawValue),
                tokens_not_before = GREATEST(tokens_not_before, COALESCE(\(retiringTokensBefore)::bigint, 0))
            WHERE id = \(id)
            RETURNING id, business_id, name, type, status, scopes, secret_key_digest, created_at, tokens_not_before
            """
        ).first.map(Self.app(from:))
    }

    public func updateAppSecretKeyDigest(
        id: String,
        digest: [UInt8],
        retiringTokensBefore: Int64
    ) async throws -> App? {
        try await rows(
            """
            UPDATE apps SET secret_key_digest = \(ByteBuffer(bytes: digest)),
                tokens_not_before = GREATEST(tokens_not_before, \(retiringTokensBefore))
            WHERE id = \(id)
            RETURNING id, business_id, name, type, status, scopes, secret_key_digest, created_at, tokens_not_before
            """
        ).first.map(Self.app(from:))
    }

    private static func app(from row: PostgresRow) throws -> App {
        let row = row.makeRandomAccess()
        guard let type = AppType(rawValue: try row.decode("type")),
            let status = AppStatus(rawValue: try row.decode("status")),
            let scopes = Scope.parseList(try row.decode("scopes"))
        else { throw StoreError.corruptRow(table: "apps") }
        return App(
            id: try row.decode("id"),
            businessID: try row.decode("business_id"),
            name: try row.decode("name"),
            type: type,
            status: status,
            scopes: scopes,
            secretKeyDigest: try row.bytes("secret_key_digest"),
            createdAt: try row.decode("created_at"),
            tokensNotBefore: try row.decode("tokens_not_before")
        )
    }

    // MARK: Webhook configuration

    public func webhookEndpoint(appID: String) async throws -> WebhookEndpoint? {
        try await rows(
            """
            SELECT app_id, url, sealed_secret, secret_version, created_at, updated_at
            FROM webhook_endpoints WHERE app_id = \(appID)
            """
        ).first.map(Self.endpoint(from:))
    }

    public func setWebhookURL(
        appID: String,
        url: String?,
        initialSecret: SealedSecretChange,
        now: Int64
    ) async throws -> (endpoint: WebhookEndpoint, createdSecret: Bool) {
        try await withTransaction { [logger] connection in
            // The upsert locks the row until commit, so what it returns is what the next statement sees.
            let upserted = try await connection.query(
                """
                INSERT INTO webhook_endpoints (app_id, url, sealed_secret, secret_version, created_at, updated_at)
                VALUES (\(appID), \(url)::text, NULL, 0, \(now), \(now))
                ON CONFLICT (app_id) DO UPDATE SET url = excluded.url, updated_at = excluded.updated_at
                RETURNING app_id, url, sealed_secret, secret_version, created_at, updated_at
                """,
                logger: logger
            ).collect()
            guard let row = upserted.first else { throw StoreError.corruptRow(table: "webhook_endpoints") }
            let endpoint = try Self.endpoint(from: row)
            if url != nil {
                // Deliveries held while the app had no URL are due now; the dispatchers hear of it at commit.
                try await connection.query("SELECT pg_notify(\(Self.publishChannel), '')", logger: logger).consume()
            }
            guard url != nil, endpoint.sealedSecret == nil else { return (endpoint, false) }
            let created = try await connection.query(
                """
                WITH stored AS (
                    UPDATE webhook_endpoints
                    SET sealed_secret = \(ByteBuffer(bytes: initialSecret.sealedSecret)),
                        secret_version = secret_version + 1
                    WHERE app_id = \(appID) AND sealed_secret IS NULL
                    RETURNING app_id, url, sealed_secret, secret_version, created_at, updated_at
                ), audit AS (
                    INSERT INTO secret_audit
                        (app_id, action, secret_version, fingerprint, request_id, client_address, at)
                    SELECT app_id, \(SecretAuditRecord.Action.created.rawValue), secret_version,
                           \(initialSecret.fingerprint), \(initialSecret.requestID),
                           \(initialSecret.clientAddress)::text, \(now)
                    FROM stored
                )
                SELECT app_id, url, sealed_secret, secret_version, created_at, updated_at FROM stored
                """,
                logger: logger
            ).collect()
            guard let row = created.first else { throw StoreError.corruptRow(table: "webhook_endpoints") }
            return (try Self.endpoint(from: row), true)
        }
    }

    public func replaceWebhookSecret(
        appID: String,
        change: SealedSecretChange,
        now: Int64,
        idempotencyKey: IdempotencyKey?
    ) async throws -> SecretReplacement {
        do {
            return try await withTransaction { [logger] connection in
                if let idempotencyKey {
                    // Claims the key. A concurrent call holding it makes this insert wait until it commits (then the
                    // key is taken and its answer read below) or rolls back (then this call claims it). An expired
                    // key is taken over.
                    let claimed = try await connection.query(
                        """
                        INSERT INTO idempotency_keys AS k (app_id, scope, key, response, responded_at, created_at)
                        VALUES (\(appID), 'regenerate', \(idempotencyKey.key), \(ByteBuffer(bytes: change.sealedSecret)),
                                \(now), \(now))
                        ON CONFLICT (app_id, scope, key) DO UPDATE
                            SET response = excluded.response, responded_at = excluded.responded_at,
                                created_at = excluded.created_at
                            WHERE k.created_at < \(idempotencyKey.notBefore)
                        RETURNING 1
                        """,
                        logger: logger
                    ).collect()
                    if claimed.isEmpty {
                        let earlier = try await connection.query(
                            """
                            SELECT response, responded_at FROM idempotency_keys
                            WHERE app_id = \(appID) AND scope = 'regenerate' AND key = \(idempotencyKey.key)
                            """,
                            logger: logger
                        ).collect()
                        guard let row = earlier.first?.makeRandomAccess() else {
                            throw StoreError.corruptRow(table: "idempotency_keys")
                        }
                        return .repeated(
                            sealedSecret: try row.bytes("response"),
                            regeneratedAt: try row.decode("responded_at")
                        )
                    }
                }
                let replaced = try await connection.query(
                    """
                    WITH replaced AS (
                        UPDATE webhook_endpoints
                        SET sealed_secret = \(ByteBuffer(bytes: change.sealedSecret)),
                            secret_version = secret_version + 1, updated_at = \(now)
                        WHERE app_id = \(appID) AND url IS NOT NULL
                        RETURNING app_id, url, sealed_secret, secret_version, created_at, updated_at
                    ), audit AS (
                        INSERT INTO secret_audit
                            (app_id, action, secret_version, fingerprint, request_id, client_address, at)
                        SELECT app_id, \(SecretAuditRecord.Action.regenerated.rawValue), secret_version,
                               \(change.fingerprint), \(change.requestID), \(change.clientAddress)::text, \(now)
                        FROM replaced
                    )
                    SELECT app_id, url, sealed_secret, secret_version, created_at, updated_at FROM replaced
                    """,
                    logger: logger
                ).collect()
                // No URL: roll back, so that the key (if any) is not spent on a call that changed nothing.
                guard let row = replaced.first else { throw NotConfigured() }
                return .replaced(try Self.endpoint(from: row))
            }
        } catch is NotConfigured {
            return .notConfigured
        }
    }

    /// Rolls back a regeneration for an app without a URL.
    private struct NotConfigured: Error {}

    public func secretAuditRecords(appID: String) async throws -> [SecretAuditRecord] {
        try await rows(
            """
            SELECT app_id, action, secret_version, fingerprint, request_id, client_address, at
            FROM secret_audit WHERE app_id = \(appID) ORDER BY id
            """
        ).map { row in
            let row = row.makeRandomAccess()
            guard let action = SecretAuditRecord.Action(rawValue: try row.decode("action")) else {
                throw StoreError.corruptRow(table: "secret_audit")
            }
            return SecretAuditRecord(
                appID: try row.decode("app_id"),
                action: action,
                secretVersion: try row.decode("secret_version"),
                fingerprint: try row.decode("fingerprint"),
                requestID: try row.decode("request_id"),
                clientAddress: try row.decode("client_address"),
                at: try row.decode("at")
            )
        }
    }

    private static func endpoint(from row: PostgresRow) throws -> WebhookEndpoint {
        let row = row.makeRandomAccess()
        return WebhookEndpoint(
            appID: try row.decode("app_id"),
            url: try row.decode("url"),
            sealedSecret: try row.optionalBytes("sealed_secret"),
            secretVersion: try row.decode("secret_version"),
            createdAt: try row.decode("created_at"),
            updatedAt: try row.decode("updated_at")
        )
    }

    // MARK: Tokens and rate limits

    @discardableResult
    public func revokeToken(id: String, until: Int64) async throws -> Bool {
        try await !rows(
            """
            INSERT INTO revoked_tokens (jti, expires_at) VALUES (\(id), \(until))
            ON CONFLICT (jti) DO NOTHING RETURNING jti
            """
        ).isEmpty
    }

    public func isTokenRevoked(id: String) async throws -> Bool {
        try await !rows("SELECT 1 FROM revoked_tokens WHERE jti = \(id)").isEmpty
    }

    public func rateLimitWait(key: String, limit: Int, periodMillis: Int64, nowMillis: Int64) async throws -> Int64? {
        let plan = RateLimitPlan(limit: limit, periodMillis: periodMillis, nowMillis: nowMillis)
        let arrival = try await rows("SELECT theoretical_arrival_ms FROM rate_limits WHERE key = \(key)").first
            .map { row in try row.decode(Int64.self) }
        return plan.waitIfFull(theoreticalArrival: arrival)
    }

    public func acquireRateLimit(key: String, limit: Int, periodMillis: Int64, nowMillis: Int64) async throws -> Int64?
    {
        let plan = RateLimitPlan(limit: limit, periodMillis: periodMillis, nowMillis: nowMillis)
        let now = plan.nowMillis
        let interval = plan.intervalMillis
        // The decision is this one statement: the row is updated (and returned) only when the unit is granted.
        let granted = try await rows(
            """
            INSERT INTO rate_limits AS r (key, theoretical_arrival_ms) VALUES (\(key), \(now) + \(interval))
            ON CONFLICT (key) DO UPDATE
                SET theoretical_arrival_ms = GREATEST(r.theoretical_arrival_ms, \(now)) + \(interval)
                WHERE GREATEST(r.theoretical_arrival_ms, \(now)) + \(interval) - \(now) <= \(plan.periodMillis)
            RETURNING theoretical_arrival_ms
            """
        )
        if !granted.isEmpty { return nil }
        // Refused: read the arrival time only to tell the caller how long to wait.
        let arrival = try await rows("SELECT theoretical_arrival_ms FROM rate_limits WHERE key = \(key)").first
            .map { row in try row.decode(Int64.self) }
        return plan.waitMillis(theoreticalArrival: arrival ?? 0)
    }

    // MARK: Sealed secrets

    public func serverSecret(name: String, orInsert makeSealed: @Sendable () throws -> [UInt8]) async throws -> [UInt8]
    {
        let candidate = try makeSealed()
        let inserted = try await rows(
            """
            INSERT INTO server_secrets (name, sealed) VALUES (\(name), \(ByteBuffer(bytes: candidate)))
            ON CONFLICT (name) DO NOTHING RETURNING sealed
            """
        )
        if let row = inserted.first {
            return Array(try row.decode(ByteBuffer.self).readableBytesView)
        }
        // Another process won the insert; this statement's fresh snapshot sees its committed row.
        guard let row = try await rows("SELECT sealed FROM server_secrets WHERE name = \(name)").first else {
            throw StoreError.corruptRow(table: "server_secrets")
        }
        return Array(try row.decode(ByteBuffer.self).readableBytesView)
    }

    public func sealingKeyIdentifier(settingIfAbsent identifier: [UInt8]) async throws -> [UInt8] {
        if let row = try await rows("SELECT key_identifier FROM master_key_fence").first {
            return Array(try row.decode(ByteBuffer.self).readableBytesView)
        }
        try await execute(
            """
            INSERT INTO master_key_fence (key_identifier) VALUES (\(ByteBuffer(bytes: identifier)))
            ON CONFLICT (id) DO NOTHING
            """
        )
        guard let row = try await rows("SELECT key_identifier FROM master_key_fence").first else {
            throw StoreError.corruptRow(table: "master_key_fence")
        }
        return Array(try row.decode(ByteBuffer.self).readableBytesView)
    }

    public func resealAll(
        under identifier: [UInt8],
        _ reseal: @Sendable (_ sealed: [UInt8], _ purpose: String) throws -> [UInt8]
    ) async throws -> Int {
        // Re-sealing every secret takes as long as there are secrets; it is an operator's command, not a request.
        try await withUntimedTransaction { connection in
            try await connection.query("SET LOCAL statement_timeout = 0", logger: logger).consume()
            try await connection.query(
                """
                INSERT INTO master_key_fence (key_identifier) VALUES (\(ByteBuffer(bytes: identifier)))
                ON CONFLICT (id) DO UPDATE SET key_identifier = excluded.key_identifier
                """,
                logger: logger
            ).consume()
            var count = 0
            for sealedColumn in SealedColumn.all {
                let update = sealedColumn.update { "$\($0)" }
                let rows = try await connection.query(
                    PostgresQuery(unsafeSQL: sealedColumn.selection + " FOR UPDATE"),
                    logger: logger
                ).collect()
                for row in rows {
                    let row = row.makeRandomAccess()
                    let keys = try sealedColumn.keyColumns.map { try row[$0].decode(String.self) }
                    let resealed = try reseal(try row.bytes("sealed"), sealedColumn.purpose(keys))
                    var bindings = PostgresBindings()
                    bindings.append(ByteBuffer(bytes: resealed))
                    for key in keys { bindings.append(key) }
                    try await connection.query(PostgresQuery(unsafeSQL: update, binds: bindings), logger: logger)
                        .consume()
                    count += 1
                }
            }
            return count
        }
    }

    // MARK: Health

    public func ping() async throws {
        try await execute("SELECT 1")
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
        try await client.withConnection { connection in
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
    private func guarded<Result: Sendable>(
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
            guard state.hasPrefix("08") || ["57P01", "57P02", "57P03", "57014", "25P03"].contains(state) else {
                return nil
            }
            return .unavailable(.connectionLost(detail: "SQLSTATE \(state)"))
        default:
            return nil
        }
    }

    /// Runs `body` in a read-only transaction that sees one snapshot, for reads that must agree with each other.
    func withReadSnapshot<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }
}

extension PostgresRowSequence {
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
