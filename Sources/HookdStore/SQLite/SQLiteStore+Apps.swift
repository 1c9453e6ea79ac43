import GRDB
public import HookdCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
public import Foundation
#endif

extension SQLiteStore: AppStore {
    public func insertApp(_ app: App) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO apps
                        (id, business_id, name, type, status, scopes, secret_key_digest, created_at, tokens_not_before,
                         environment)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    app.id, app.businessID, app.name, app.type.rawValue, app.status.rawValue,
                    app.scopes.map(\.rawValue).joined(separator: ","), Data(app.secretKeyDigest), app.createdAt,
                    app.tokensNotBefore, app.environment.rawValue,
                ]
            )
        }
    }

    public func app(id: AppID) async throws -> App? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM apps WHERE id = ?"), arguments: [id])
                .map(Self.app(from:))
        }
    }

    public func app(secretKeyDigest digest: [UInt8]) async throws -> App? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM apps WHERE secret_key_digest = ?", arguments: [Data(digest)])
                .map(Self.app(from:))
        }
    }

    public func apps() async throws -> [App] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM apps WHERE id <> ? ORDER BY created_at, id",
                arguments: [OperatorWebhook.appID]
            ).map(Self.app(from:))
        }
    }

    public func updateAppStatus(
        id: AppID,
        status: AppStatus,
        retiringTokensBefore: UnixSeconds?
    ) async throws -> App? {
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
        id: AppID,
        digest: [UInt8],
        retiringTokensBefore: UnixSeconds
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
            let scopes = Scope.parseList(row["scopes"]),
            let environment = AppEnvironment(rawValue: row["environment"])
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
            tokensNotBefore: row["tokens_not_before"],
            environment: environment
        )
    }
}
