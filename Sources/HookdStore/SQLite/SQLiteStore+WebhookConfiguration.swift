import GRDB
public import HookdCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
public import Foundation
#endif

extension SQLiteStore: WebhookConfigurationStore {
    public func webhookConfiguration(appID: AppID) async throws -> WebhookConfiguration? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT * FROM webhook_endpoints WHERE id = ?",
                arguments: [Identifiers.v3WebhookID(appID: appID)]
            ).map(Self.configuration(from:))
        }
    }

    public func setWebhookURL(
        appID: AppID,
        url: String?,
        initialSecret: SealedSecretChange,
        now: UnixSeconds
    ) async throws -> (endpoint: WebhookConfiguration, createdSecret: Bool) {
        let id = Identifiers.v3WebhookID(appID: appID)
        return try await writeSealed { db in
            try db.execute(
                sql: """
                    INSERT INTO webhook_endpoints
                        (id, app_id, format, url, sealed_secret, secret_version, created_at, updated_at)
                    VALUES (?, ?, 'V3', ?, NULL, 0, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET url = excluded.url, updated_at = excluded.updated_at
                    """,
                arguments: [id, appID, url, now, now]
            )
            var createdSecret = false
            if url != nil {
                let version = try Int64.fetchOne(
                    db,
                    sql: """
                        UPDATE webhook_endpoints
                        SET sealed_secret = ?, secret_prefix = ?, secret_version = secret_version + 1
                        WHERE id = ? AND sealed_secret IS NULL RETURNING secret_version
                        """,
                    arguments: [Data(initialSecret.sealedSecret), initialSecret.secretPrefix, id]
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
            let row = try Row.fetchOne(db, sql: "SELECT * FROM webhook_endpoints WHERE id = ?", arguments: [id])
            guard let row else { throw StoreError.corruptRow(table: "webhook_endpoints") }
            return (try Self.configuration(from: row), createdSecret)
        }
    }

    public func replaceWebhookSecret(
        appID: AppID,
        change: SealedSecretChange,
        now: UnixSeconds,
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
                    SET sealed_secret = ?, secret_prefix = ?, secret_version = secret_version + 1, updated_at = ?,
                        previous_sealed_secret = NULL, previous_secret_until = NULL
                    WHERE id = ? AND url IS NOT NULL RETURNING *
                    """,
                arguments: [Data(change.sealedSecret), change.secretPrefix, now, Identifiers.v3WebhookID(appID: appID)]
            )
            guard let row else { return .notConfigured }
            let endpoint = try Self.configuration(from: row)
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

    public func secretAuditRecords(appID: AppID) async throws -> [SecretAuditRecord] {
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

    static func insertAudit(
        _ db: Database,
        appID: AppID,
        action: SecretAuditRecord.Action,
        version: Int64,
        change: SealedSecretChange,
        now: UnixSeconds
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

    /// The configuration in the app's v3 endpoint's row.
    private static func configuration(from row: Row) throws -> WebhookConfiguration {
        WebhookConfiguration(try storedEndpoint(from: row))
    }
}
