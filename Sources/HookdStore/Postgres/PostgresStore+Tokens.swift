public import HookdCore
import PostgresNIO

extension PostgresStore: TokenRevocationStore {
    @discardableResult
    public func revokeToken(id: TokenID, until: UnixSeconds) async throws -> Bool {
        try await !rows(
            """
            INSERT INTO revoked_tokens (jti, expires_at) VALUES (\(id), \(until))
            ON CONFLICT (jti) DO NOTHING RETURNING jti
            """
        ).isEmpty
    }

    public func isTokenRevoked(id: TokenID) async throws -> Bool {
        try await !rows("SELECT 1 FROM revoked_tokens WHERE jti = \(id)").isEmpty
    }
}
