public import HookdCore

/// The apps: hookd's tenants, with their credentials' digests and status.
///
/// "Not found" is `nil`; real failures throw.
public protocol AppStore: Sendable {
    /// Stores a new app.
    func insertApp(_ app: App) async throws
    /// The app with this identifier.
    func app(id: AppID) async throws -> App?
    /// The app whose secret key has this SHA-256 digest (the v3.20 routes take the key itself as a bearer).
    func app(secretKeyDigest digest: [UInt8]) async throws -> App?
    /// Every app, oldest first; not the reserved app of the operator's webhook (``OperatorWebhook``).
    func apps() async throws -> [App]
    /// Sets an app's status, and with `retiringTokensBefore` moves its ``App/tokensNotBefore`` forward to that
    /// time (never back), in the same write.
    /// - Returns: the updated app, or `nil` when there is none.
    func updateAppStatus(id: AppID, status: AppStatus, retiringTokensBefore: UnixSeconds?) async throws -> App?
    /// Replaces the digest of an app's secret key and moves its ``App/tokensNotBefore`` forward to
    /// `retiringTokensBefore` (never back), in one write.
    /// - Returns: the updated app, or `nil` when there is none.
    func updateAppSecretKeyDigest(
        id: AppID,
        digest: [UInt8],
        retiringTokensBefore: UnixSeconds
    ) async throws -> App?
}
