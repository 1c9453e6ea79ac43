import GRDB
public import HookdCore

extension SQLiteStore: TokenRevocationStore {
    @discardableResult
    public func revokeToken(id: TokenID, until: UnixSeconds) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING",
                arguments: [id, until]
            )
            return db.changesCount == 1
        }
    }

    public func isTokenRevoked(id: TokenID) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM revoked_tokens WHERE jti = ?", arguments: [id]) ?? false
        }
    }
}
