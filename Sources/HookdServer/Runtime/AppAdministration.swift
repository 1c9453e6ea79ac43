public import HookdCore
public import HookdStore

/// The operator's actions on apps, shared by the CLI and the first-start bootstrap.
public struct AppAdministration: Sendable {
    let store: any AppStore
    let clock: any WallClock

    public init(store: any AppStore, clock: any WallClock = SystemWallClock()) {
        self.store = store
        self.clock = clock
    }

    /// Creates an app with both scopes (or `scopes`) and a new secret key.
    ///
    /// - Returns: The app and its secret key, which is not stored and must be shown to the operator now.
    public func create(
        name: String,
        type: AppType,
        scopes: [Scope] = Scope.allCases,
        environment: AppEnvironment = .live
    ) async throws -> (App, AppSecretKey) {
        let secretKey = AppSecretKey.generate()
        let app = App(
            id: Identifiers.appID(),
            businessID: Identifiers.businessID(),
            name: name,
            type: type,
            status: .active,
            scopes: scopes,
            secretKeyDigest: secretKey.digest,
            createdAt: clock.unixSeconds,
            environment: environment
        )
        try await store.insertApp(app)
        return (app, secretKey)
    }

    /// Replaces an app's secret key; the old one stops working at once, and so does every token issued until now.
    ///
    /// - Returns: The new key, or `nil` when there is no such app.
    public func rotateKey(appID: AppID) async throws -> AppSecretKey? {
        let secretKey = AppSecretKey.generate()
        guard
            try await store.updateAppSecretKeyDigest(
                id: appID,
                digest: secretKey.digest,
                retiringTokensBefore: tokensNotBeforeNow
            ) != nil
        else { return nil }
        return secretKey
    }

    /// Every app, oldest first.
    public func list() async throws -> [App] {
        try await store.apps()
    }

    /// Suspends or reactivates an app. Either change retires every token, portal link and portal session issued
    /// until now: those of a suspended app do not come back when it is activated, and nothing minted while it was
    /// suspended outlives the suspension. Setting the status an app already has retires nothing (except
    /// suspending, which always does).
    ///
    /// - Returns: the app, or `nil` when there is none.
    public func setStatus(appID: AppID, _ status: AppStatus) async throws -> App? {
        guard appID != OperatorWebhook.appID, let current = try await store.app(id: appID) else { return nil }
        let changesCredentials = status == .suspended || current.status != status
        return try await store.updateAppStatus(
            id: appID,
            status: status,
            retiringTokensBefore: changesCredentials ? tokensNotBeforeNow : nil
        )
    }

    /// The first second in which a token counts as issued after now: tokens dated this second or earlier are retired.
    private var tokensNotBeforeNow: UnixSeconds { clock.unixSeconds + .seconds(1) }
}
