import HookdCore
import HookdStore

/// An app of `status`, not stored yet, with a fresh id and business id.
func makeApp(_ id: AppID = Identifiers.appID(), status: AppStatus = .active) -> App {
    App(
        id: id,
        businessID: Identifiers.businessID(),
        name: "contract",
        type: .issuing,
        status: status,
        scopes: Scope.allCases,
        secretKeyDigest: AppSecretKey.generate().digest,
        createdAt: UnixSeconds(1_700_000_000)
    )
}

/// An active app, stored in `store`.
func makeStoredApp(_ store: any AppStore) async throws -> App {
    let app = makeApp()
    try await store.insertApp(app)
    return app
}

/// A stored app whose v3 URL is `https://a.example/`, its first secret `[1]`, set at 1 s.
func makeConfiguredApp(_ store: any AppStore & WebhookConfigurationStore) async throws -> App {
    let app = try await makeStoredApp(store)
    try await store.setURL(appID: app.id, secret: change([1]), at: UnixSeconds(1))
    return app
}

/// `count` apps, made one after another by `make`.
func makeApps(_ count: Int, _ make: () async throws -> App) async throws -> [App] {
    var apps: [App] = []
    for _ in 0..<count { apps.append(try await make()) }
    return apps
}
