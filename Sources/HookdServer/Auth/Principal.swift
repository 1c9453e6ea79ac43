import HookdCore

/// The app a request was authenticated as, and what its token allows.
struct Principal: Sendable {
    let appID: AppID
    let businessID: BusinessID
    let appType: AppType
    /// The app's environment (SPEC §11).
    let environment: AppEnvironment
    /// The token's scopes, narrowed to the app's current scopes.
    let scopes: [Scope]
    /// The token's `jti`; empty when the app's secret key itself was the bearer (v3.20).
    let tokenID: TokenID
    /// The token's `exp`; the time of the request when the secret key itself was the bearer.
    let expiresAt: UnixSeconds
}

extension Principal {
    /// The principal of `app`, holding `scopes`, for the credential `tokenID` that lasts until `expiresAt`.
    init(app: App, scopes: [Scope], tokenID: TokenID, expiresAt: UnixSeconds) {
        self.init(
            appID: app.id,
            businessID: app.businessID,
            appType: app.type,
            environment: app.environment,
            scopes: scopes,
            tokenID: tokenID,
            expiresAt: expiresAt
        )
    }
}
