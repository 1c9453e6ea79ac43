import GRDB
public import HookdCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
public import Foundation
#endif

/// The embedded store: one SQLite file in WAL mode, through GRDB.
///
/// Writes are serialised by GRDB's single writer connection, which is what makes concurrent secret
/// regenerations and rate-limit updates safe without read-then-write races. Several processes may open
/// the same file (WAL and a busy timeout keep them correct), but only one `hookd serve` runs per data dir.
public final class SQLiteStore: Store {
    let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and migrates it.
    ///
    /// - Throws: ``StoreError/schemaNewerThanBinary(applied:)`` when the file was migrated by a newer hookd,
    ///   or GRDB's error when the file cannot be opened.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.journalMode = .wal
        configuration.prepareDatabase { db in
            // FULL: every commit is on disk before it returns (WAL with NORMAL may lose the last commits to a power
            // loss or an OS crash). A publish is acknowledged only after its commit, so "durably stored before the
            // publish returns" holds; group commit (BatchingWriter) shares each sync between the writes that wait.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            if !db.configuration.readonly {
                // The writer claims and records on indexes that outgrow the 2 MiB default once a large backlog
                // is stored; 32 MiB keeps them in memory (readers keep the default: there are several).
                try db.execute(sql: "PRAGMA cache_size = -32768")
            }
        }
        self.pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB sets the writer to NORMAL when it turns WAL on, after `prepareDatabase`: set FULL again on the one
        // connection that commits.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let migrator = SQLiteMigrations.migrator
        let unknown = try pool.read { db in
            try migrator.appliedIdentifiers(db).subtracting(migrator.migrations)
        }
        guard unknown.isEmpty else { throw StoreError.schemaNewerThanBinary(applied: unknown.sorted()) }
        try migrator.migrate(pool)
    }

    // MARK: Apps

    public func insertApp(_ app: App) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO apps
                        (id, business_id, name, type, status, scopes, secret_key_digest, created_at, tokens_not_before)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    app.id, app.businessID, app.name, app.type.rawValue, app.status.rawValue,
                    app.scopes.map(\.rawValue).joined(separator: ","), Data(app.secretKeyDigest), app.createdAt,
                    app.tokensNotBefore,
                ]
            )
        }
    }

    public func app(id: String) async throws -> App? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM apps WHERE id = ?"), arguments: [id])
                .map(Self.app(from:))
        }
    }

    public func apps() async throws -> [App] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM apps ORDER BY created_at, id").map(Self.app(from:))
        }
    }

    public func updateAppStatus(id: String, status: AppStatus, retiringTokensBefore: Int64?) async throws -> App? {
        try await pool.write { db in
            try Row.fetchOne(
                db,
                sql: """
                    UPDATE apps SET status = ?, tokens_not_before = max(tokens_not_before, coalesce(?, 0))
                    WHERE id = ? RETURNING *
                    """,
                arguments: [status.rawValue, retiringTokensBefore, id]
            ).map(Self.app(from:))
        }
    }

    public func updateAppSecretKeyDigest(
        id: String,
        digest: [UInt8],
        retiringTokensBefore: Int64
    ) async throws -> App? {
        try await pool.write { db in
            try Row.fetchOne(
                db,
                sql: """
                    UPDATE apps SET secret_key_digest = ?, tokens_not_before = max(tokens_not_before, ?)
                    WHERE id = ? RETURNING *
                    """,
                arguments: [Data(digest), retiringTokensBefore, id]
            ).map(Self.app(from:))
        }
    }

    private static func app(from row: Row) throws -> App {
        guard let type = AppType(rawValue: row["type"]),
            let status = AppStatus(rawValue: row["status"]),
            let scopes = Scope.parseList(row["scopes"])
        else { throw StoreError.corruptRow(table: "apps") }
        return App(
            id: row["id"],
            businessID: row["business_id"],
            name: row["name"],
            type: type,
            status: status,
            scopes: scopes,
            secretKeyDigest: Array(row["secret_key_digest"] as Data),
            createdAt: row["created_at"],
            tokensNotBefore: row["tokens_not_before"]
        )
    }

    // MARK: Webhook configuration

    public func webhookEndpoint(appID: String) async throws -> WebhookEndpoint? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM webhook_endpoints WHERE app_id = ?", arguments: [appID])
                .map(Self.endpoint(from:))
        }
    }

    public func setWebhookURL(
        appID: String,
        url: String?,
        initialSecret: SealedSecretChange,
        now: Int64
    ) async throws -> (endpoint: WebhookEndpoint, createdSecret: Bool) {
        try await writeSealed { db in
            try db.execute(
                sql: """
                    INSERT INTO webhook_endpoints (app_id, url, sealed_secret, secret_version, created_at, updated_at)
                    VALUES (?, ?, NULL, 0, ?, ?)
                    ON CONFLICT (app_id) DO UPDATE SET url = excluded.url, updated_at = excluded.updated_at
                    """,
                arguments: [appID, url, now, now]
            )
            var createdSecret = false
            if url != nil {
                let version = try Int64.fetchOne(
                    db,
                    sql: """
                        UPDATE webhook_endpoints SET sealed_secret = ?, secret_version = secret_version + 1
                        WHERE app_id = ? AND sealed_secret IS NULL RETURNING secret_version
                        """,
                    arguments: [Data(initialSecret.sealedSecret), appID]
                )
                if let version {
                    try Self.insertAudit(
                        db,
                        appID: appID,
                        action: .created,
                        version: version,
                        change: initialSecret,
                        now: now
                    )
                    createdSecret = true
                }
            }
            let row = try Row.fetchOne(db, sql: "SELECT * FROM webhook_endpoints WHERE app_id = ?", arguments: [appID])
            guard let row else { throw StoreError.corruptRow(table: "webhook_endpoints") }
            return (try Self.endpoint(from: row), createdSecret)
        }
    }

    public func replaceWebhookSecret(
        appID: String,
        change: SealedSecretChange,
        now: Int64,
        idempotencyKey: IdempotencyKey?
    ) async throws -> SecretReplacement {
        try await writeSealed { db in
            if let idempotencyKey {
                // One writer: nothing can claim the key between this read and the write below.
                if let earlier = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT response, responded_at FROM idempotency_keys
                        WHERE app_id = ? AND scope = 'regenerate' AND key = ? AND created_at >= ?
                        """,
                    arguments: [appID, idempotencyKey.key, idempotencyKey.notBefore]
                ) {
                    return .repeated(
                        sealedSecret: Array(earlier["response"] as Data),
                        regeneratedAt: earlier["responded_at"]
                    )
                }
            }
            let row = try Row.fetchOne(
                db,
                sql: """
                    UPDATE webhook_endpoints
                    SET sealed_secret = ?, secret_version = secret_version + 1, updated_at = ?
                    WHERE app_id = ? AND url IS NOT NULL RETURNING *
                    """,
                arguments: [Data(change.sealedSecret), now, appID]
            )
            guard let row else { return .notConfigured }
            let endpoint = try Self.endpoint(from: row)
            try Self.insertAudit(
                db,
                appID: appID,
                action: .regenerated,
                version: endpoint.secretVersion,
                change: change,
                now: now
            )
            if let idempotencyKey {
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO idempotency_keys (app_id, scope, key, response, responded_at, created_at)
                        VALUES (?, 'regenerate', ?, ?, ?, ?)
                        """,
                    arguments: [appID, idempotencyKey.key, Data(change.sealedSecret), now, now]
                )
            }
            return .replaced(endpoint)
        }
    }

    public func secretAuditRecords(appID: String) async throws -> [SecretAuditRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM secret_audit WHERE app_id = ? ORDER BY id", arguments: [appID])
                .map { row in
                    guard let action = SecretAuditRecord.Action(rawValue: row["action"]) else {
                        throw StoreError.corruptRow(table: "secret_audit")
                    }
                    return SecretAuditRecord(
                        appID: row["app_id"],
                        action: action,
                        secretVersion: row["secret_version"],
                        fingerprint: row["fingerprint"],
                        requestID: row["request_id"],
                        clientAddress: row["client_address"],
                        at: row["at"]
                    )
                }
        }
    }

    private static func insertAudit(
        _ db: Database,
        appID: String,
        action: SecretAuditRecord.Action,
        version: Int64,
        change: SealedSecretChange,
        now: Int64
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO secret_audit (app_id, action, secret_version, fingerprint, request_id, client_address, at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                appID, action.rawValue, version, change.fingerprint, change.requestID, change.clientAddress, now,
            ]
        )
    }

    private static func endpoint(from row: Row) throws -> WebhookEndpoint {
        WebhookEndpoint(
            appID: row["app_id"],
            url: row["url"],
            sealedSecret: (row["sealed_secret"] as Data?).map(Array.init),
            secretVersion: row["secret_version"],
            createdAt: row["created_at"],
            updatedAt: row["updated_at"]
        )
    }

    // MARK: Tokens and rate limits

    @discardableResult
    public func revokeToken(id: String, until: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING",
                arguments: [id, until]
            )
            return db.changesCount == 1
        }
    }

    public func isTokenRevoked(id: String) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM revoked_tokens WHERE jti = ?", arguments: [id]) ?? false
        }
    }

    public func rateLimitWait(key: String, limit: Int, periodMillis: Int64, nowMillis: Int64) async throws -> Int64? {
        let plan = RateLimitPlan(limit: limit, periodMillis: periodMillis, nowMillis: nowMillis)
        let arrival = try await pool.read { db in
            try Int64.fetchOne(
                db,
                sql: "SELECT theoretical_arrival_ms FROM rate_limits WHERE key = ?",
                arguments: [key]
            )
        }
        return plan.waitIfFull(theoreticalArrival: arrival)
    }

    public func acquireRateLimit(key: String, limit: Int, periodMillis: Int64, nowMillis: Int64) async throws -> Int64?
    {
        let plan = RateLimitPlan(limit: limit, periodMillis: periodMillis, nowMillis: nowMillis)
        return try await pool.write { db in
            let granted = try Int64.fetchOne(
                db,
                sql: """
                    INSERT INTO rate_limits (key, theoretical_arrival_ms) VALUES (?1, ?2 + ?3)
                    ON CONFLICT (key) DO UPDATE SET theoretical_arrival_ms = max(theoretical_arrival_ms, ?2) + ?3
                    WHERE max(theoretical_arrival_ms, ?2) + ?3 - ?2 <= ?4
                    RETURNING theoretical_arrival_ms
                    """,
                arguments: [key, plan.nowMillis, plan.intervalMillis, plan.periodMillis]
            )
            if granted != nil { return nil }
            let arrival =
                try Int64.fetchOne(
                    db,
                    sql: "SELECT theoretical_arrival_ms FROM rate_limits WHERE key = ?",
                    arguments: [key]
                ) ?? 0
            return plan.waitMillis(theoreticalArrival: arrival)
        }
    }

    // MARK: Sealed secrets

    public func serverSecret(name: String, orInsert makeSealed: @Sendable () throws -> [UInt8]) async throws -> [UInt8]
    {
        let candidate = try makeSealed()
        return try await writeSealed { db in
            try db.execute(
                sql: "INSERT INTO server_secrets (name, sealed) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                arguments: [name, Data(candidate)]
            )
            guard
                let stored = try Data.fetchOne(
                    db,
                    sql: "SELECT sealed FROM server_secrets WHERE name = ?",
                    arguments: [name]
                )
            else { throw StoreError.corruptRow(table: "server_secrets") }
            return Array(stored)
        }
    }

    public func sealingKeyIdentifier(settingIfAbsent identifier: [UInt8]) async throws -> [UInt8] {
        // Read on every seal; the writer is taken only while no fence is set yet (a new database).
        if let fence = try await pool.read({ db in
            try Data.fetchOne(db, sql: "SELECT key_identifier FROM master_key_fence")
        }) {
            return Array(fence)
        }
        return try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO master_key_fence (id, key_identifier) VALUES (1, ?) ON CONFLICT (id) DO NOTHING",
                arguments: [Data(identifier)]
            )
            guard let fence = try Data.fetchOne(db, sql: "SELECT key_identifier FROM master_key_fence") else {
                throw StoreError.corruptRow(table: "master_key_fence")
            }
            return Array(fence)
        }
    }

    public func resealAll(
        under identifier: [UInt8],
        _ reseal: @Sendable (_ sealed: [UInt8], _ purpose: String) throws -> [UInt8]
    ) async throws -> Int {
        try await writeSealed { db in
            try db.execute(
                sql: """
                    INSERT INTO master_key_fence (id, key_identifier) VALUES (1, ?)
                    ON CONFLICT (id) DO UPDATE SET key_identifier = excluded.key_identifier
                    """,
                arguments: [Data(identifier)]
            )
            var count = 0
            for sealedColumn in SealedColumn.all {
                let update = sealedColumn.update { _ in "?" }
                for row in try Row.fetchAll(db, sql: sealedColumn.selection) {
                    let keys: [String] = sealedColumn.keyColumns.map { row[$0] }
                    let resealed = try reseal(Array(row["sealed"] as Data), sealedColumn.purpose(keys))
                    try db.execute(
                        sql: update,
                        arguments: StatementArguments([Data(resealed) as any DatabaseValueConvertible] + keys)
                    )
                    count += 1
                }
            }
            return count
        }
    }

    /// The message of the triggers that refuse a value sealed under a key other than the fence's.
    static let outdatedMasterKeyMessage = "sealed under an outdated master key"

    /// Runs `body` as a write that stores sealed values, turning the master key fence's refusal into
    /// ``StoreError/Unavailability/outdatedMasterKey``.
    func writeSealed<Result: Sendable>(_ body: @Sendable (Database) throws -> Result) async throws -> Result {
        do {
            return try await pool.write(body)
        } catch let error as DatabaseError where error.message == Self.outdatedMasterKeyMessage {
            throw StoreError.unavailable(.outdatedMasterKey)
        }
    }

    public var isSharedAcrossProcesses: Bool { false }

    public func listenForPublishes(_ wake: @escaping @Sendable () -> Void) async throws {}

    /// Closes the database; every later call throws.
    public func close() throws {
        try pool.close()
    }

    // MARK: Health

    public func ping() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }
}
