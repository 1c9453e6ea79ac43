import HookdCore
import HookdStore

/// The operator's webhook (SPEC §14, `--operator-webhook-url`): an endpoint of the reserved app
/// (``OperatorWebhook``) that receives a copy of every app's operational events, signed with the server's operator
/// webhook secret (``ServerSecrets/operatorWebhookSecret(store:sealer:)``).
///
/// The reserved app and its endpoint are made the first time a URL is configured; the app has no usable key, so it
/// can neither get a token nor be given a portal, and it is left out of every list of apps. Every node sets the
/// endpoint from its own flag when it starts, so the flag is set alike on every node.
struct OperatorWebhookSetup: Sendable {
    let store: any Store
    let keys: SealingKeys
    let clock: any WallClock

    /// The operator's webhook on a node's store, with its keys and clock.
    init(_ dependencies: NodeDependencies) {
        store = dependencies.store
        keys = SealingKeys(keyring: dependencies.sealer, store: dependencies.store)
        clock = dependencies.clock
    }

    /// Points the operator's webhook at `url`, or turns it off (`nil`): from then on the operational events made on
    /// any node go, or stop going, to the operator as well. The URL is checked at each attempt like any other.
    func configure(url: String?) async throws {
        let id = (app: OperatorWebhook.appID, endpoint: OperatorWebhook.endpointID)
        let existing = try await store.endpoint(appID: id.app, id: id.endpoint)
        guard let url else {
            if existing?.status == .active {
                _ = try await store.updateEndpoint(
                    appID: id.app,
                    id: id.endpoint,
                    EndpointChange(enabled: false),
                    now: clock.unixSeconds
                )
            }
            return
        }
        if let existing {
            guard existing.url != url || existing.status != .active else { return }
            _ = try await store.updateEndpoint(
                appID: id.app,
                id: id.endpoint,
                EndpointChange(url: url, enabled: true),
                now: clock.unixSeconds
            )
        } else {
            try await create(url: url)
        }
    }

    private static let purpose = SecretSealer.webhookSecretPurpose(
        appID: OperatorWebhook.appID,
        endpointID: OperatorWebhook.endpointID
    )

    /// Makes the reserved app and the operator's endpoint. Two nodes making them at once both end with the ones
    /// stored first.
    private func create(url: String) async throws {
        let now = clock.unixSeconds
        if try await store.app(id: OperatorWebhook.appID) == nil {
            // A key nobody holds: the digest of a key that is dropped at once.
            let app = App(
                id: OperatorWebhook.appID,
                businessID: BusinessID("operator"),
                name: "hookd operator",
                type: .issuing,
                status: .active,
                scopes: [],
                secretKeyDigest: AppSecretKey.generate().digest,
                createdAt: now
            )
            do {
                try await store.insertApp(app)
            } catch {
                guard try await store.app(id: app.id) != nil else { throw error }
            }
        }
        let secret = try await ServerSecrets.operatorWebhookSecret(store: store, sealer: keys.keyring)
        let endpoint = Endpoint(
            id: OperatorWebhook.endpointID,
            appID: OperatorWebhook.appID,
            format: .v3_20,
            url: url,
            description: "The operator's webhook (--operator-webhook-url)",
            events: EventCatalogue.operationalEvents.map(\.name),
            secretPrefix: secret.prefixShown,
            sealedSecret: nil,
            createdAt: now,
            updatedAt: now
        )
        let change = SealedSecretChange(
            sealedSecret: try await keys.sealer().seal(Array(secret.value.utf8), purpose: Self.purpose),
            fingerprint: secret.fingerprint,
            requestID: Identifiers.requestID(),
            clientAddress: nil,
            secretPrefix: secret.prefixShown
        )
        do {
            _ = try await store.createEndpoint(endpoint, secret: change, limit: 1)
        } catch {
            guard try await store.endpoint(appID: endpoint.appID, id: endpoint.id) != nil else { throw error }
        }
    }
}
