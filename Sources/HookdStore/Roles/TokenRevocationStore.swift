public import HookdCore

/// The access tokens revoked before their time.
public protocol TokenRevocationStore: Sendable {
    /// Remembers a revoked token until `until`: the end of its refresh grace, so it can be neither used nor refreshed
    /// while the revocation is kept.
    /// - Returns: whether this call revoked it (`false`: it was revoked already).
    @discardableResult
    func revokeToken(id: TokenID, until: UnixSeconds) async throws -> Bool
    /// Whether the token was revoked.
    func isTokenRevoked(id: TokenID) async throws -> Bool
}
