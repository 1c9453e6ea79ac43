import HookdCore

/// The app a request was authenticated as, and what its token allows.
struct Principal: Sendable {
    let appID: String
    let businessID: String
    let appType: AppType
    /// The token's scopes, narrowed to the app's current scopes.
    let scopes: [Scope]
    /// The token's `jti`.
    let tokenID: String
    /// The token's `exp`.
    let expiresAt: UnixSeconds
}
