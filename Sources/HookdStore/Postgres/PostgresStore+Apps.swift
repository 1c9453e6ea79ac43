public import HookdCore
import PostgresNIO

extension PostgresStore: AppStore {
    public func insertApp(_ app: App) async throws {
        try await execute(
            """
            INSERT INTO apps
                (id, business_id, name, type, status, scopes, secret_key_digest, created_at, tokens_not_before, environment)
            VALUES (\(app.id), \(app.businessID), \(app.name), \(app.type.rawValue), \(app.status.rawValue),
                    \(app.scopes.map(\.rawValue).joined(separator: ",")), \(ByteBuffer(bytes: app.secretKeyDigest)),
                    \(app.createdAt), \(app.tokensNotBefore), \(app.environment.rawValue))
            """
        )
    }

    public func app(id: AppID) async throws -> App? {
        try await rows(
            """
            SELECT id, business_id, name, type, status, scopes, secret_key_digest, created_at, tokens_not_before, environment
            FROM apps WHERE id = \(id)
            """
        ).first.map(Self.app(from:))
    }

    public func app(secretKeyDigest digest: [UInt8]) async throws -> App? {
        try await rows(
            """
            SELECT id, business_id, name, type, status, scopes, secret_key_digest, created_at, tokens_not_before, environment
            FROM apps WHERE secret_key_digest = \(ByteBuffer(bytes: digest))
            """
        ).first.map(Self.app(from:))
    }

    public func apps() async throws -> [App] {
        try await rows(
            """
            SELECT id, business_id, name, type, status, scopes, secret_key_digest, created_at, tokens_not_before, environment
            FROM apps WHERE id <> \(OperatorWebhook.appID) ORDER BY created_at, id
            """
        ).map(Self.app(from:))
    }

    public func updateAppStatus(
        id: AppID,
        status: AppStatus,
        retiringTokensBefore: UnixSeconds?
    ) async throws -> App? {
        try await rows(
            """
            UPDATE apps SET status = \(status.rawValue),
                tokens_not_before = GREATEST(tokens_not_before, COALESCE(\(retiringTokensBefore)::bigint, 0))
            WHERE id = \(id)
            RETURNING id, business_id, name, type, status, scopes, secret_key_digest, created_at, tokens_not_before, environment
            """
        ).first.map(Self.app(from:))
    }

    public func updateAppSecretKeyDigest(
        id: AppID,
        digest: [UInt8],
        retiringTokensBefore: UnixSeconds
    ) async throws -> App? {
        try await rows(
            """
            UPDATE apps SET secret_key_digest = \(ByteBuffer(bytes: digest)),
                tokens_not_before = GREATEST(tokens_not_before, \(retiringTokensBefore))
            WHERE id = \(id)
            RETURNING id, business_id, name, type, status, scopes, secret_key_digest, created_at, tokens_not_before, environment
            """
        ).first.map(Self.app(from:))
    }

    private static func app(from row: PostgresRow) throws -> App {
        let row = row.makeRandomAccess()
        guard let type = AppType(rawValue: try row.decode("type")),
            let status = AppStatus(rawValue: try row.decode("status")),
            let scopes = Scope.parseList(try row.decode("scopes")),
            let environment = AppEnvironment(rawValue: try row.decode("environment"))
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
            tokensNotBefore: try row.decode("tokens_not_before"),
            environment: environment
        )
    }
}
