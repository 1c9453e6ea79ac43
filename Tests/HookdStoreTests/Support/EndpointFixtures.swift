import HookdCore
import HookdStore

extension Endpoint {
    /// A v3.20 endpoint of `appID` with a fresh id, not stored yet, created and updated at 1 s.
    static func v3_20(
        appID: AppID,
        url: String = "https://a.example/",
        events: [String] = ["card.funded"],
        sealedHeaders: [UInt8]? = nil,
        rateLimit: Int? = nil
    ) -> Endpoint {
        Endpoint(
            id: Identifiers.webhookID(),
            appID: appID,
            format: .v3_20,
            url: url,
            events: events,
            sealedHeaders: sealedHeaders,
            rateLimit: rateLimit,
            secretPrefix: "whsec_000000",
            sealedSecret: nil,
            createdAt: UnixSeconds(1),
            updatedAt: UnixSeconds(1)
        )
    }
}

/// A stored v3.20 endpoint of `app` at `https://a.example/`, subscribed to `card.funded`, its secret `[1]`.
func makeEndpoint(_ store: any EndpointStore, app: App, rateLimit: Int? = nil) async throws -> Endpoint {
    let endpoint = Endpoint.v3_20(appID: app.id, rateLimit: rateLimit)
    _ = try await store.createEndpoint(endpoint, secret: change([1]), limit: 20)
    return endpoint
}

/// A stored app and the id of its one endpoint, made by ``makeEndpoint(_:app:rateLimit:)``.
func makeAppWithEndpoint(
    _ store: any AppStore & EndpointStore,
    rateLimit: Int? = nil
) async throws -> (app: App, endpoint: EndpointID) {
    let app = try await makeStoredApp(store)
    return (app, try await makeEndpoint(store, app: app, rateLimit: rateLimit).id)
}
