import HookdCore
import HookdDelivery
import HookdStore
import Hummingbird
import Logging

/// `GET`/`PUT /webhooks`, `GET /webhooks/events` and `POST /webhooks/secret/regenerate` (SPEC §3–4).
struct WebhookRoutes: APIRoutes, Sendable {
    let store: any WebhookConfigurationStore
    let sealingKeys: SealingKeys
    let urlPolicy: WebhookURLPolicy
    let services: RouteServices

    static let secretNote =
        "Store this secret securely. It will not be shown again. Update your webhook handler with this new secret."

    /// The configuration as every read shows it; the secret itself never appears.
    struct ConfigurationData: JSONRepresentable {
        let endpoint: WebhookConfiguration?
        /// Only in the `PUT` that created the first secret.
        var createdSecret: WebhookSecret?

        var json: JSONOutput {
            var members: [(String, JSONOutput)] = [
                ("webhookUrl", .string(endpoint?.url)),
                ("isConfigured", .bool(endpoint?.isConfigured ?? false)),
                ("hasWebhookSecret", .bool(endpoint?.sealedSecret != nil)),
                ("createdAt", .timestamp(endpoint?.createdAt)),
                ("updatedAt", .timestamp(endpoint?.updatedAt)),
            ]
            if let createdSecret {
                members.append(("webhookSecret", .string(createdSecret.value)))
                members.append(("secretNote", .string(WebhookRoutes.secretNote)))
            }
            return .object(members)
        }
    }

    struct EventsData: JSONRepresentable {
        let appType: AppType

        var json: JSONOutput {
            .object([
                ("appType", .string(appType.rawValue)),
                (
                    "events",
                    .array(
                        EventCatalogue.events(for: appType).map {
                            .object([("event", .string($0.name)), ("description", .string($0.description))])
                        }
                    )
                ),
            ])
        }
    }

    struct RegeneratedData: JSONRepresentable {
        let secret: WebhookSecret
        let regeneratedAt: UnixSeconds
        /// v3 calls the note `note`; v3.20's page calls it `secretNote`, as `PUT /webhooks` does.
        var noteField = "note"

        var json: JSONOutput {
            .object([
                ("webhookSecret", .string(secret.value)),
                ("regeneratedAt", .timestamp(regeneratedAt)),
                (noteField, .string(WebhookRoutes.secretNote)),
            ])
        }
    }

    /// How the regenerate route answers: v3's message and note, or v3.20's (SPEC §4, §11.1).
    struct RegenerateAnswer: Sendable {
        let message: String
        let noteField: String

        static let v3 = RegenerateAnswer(message: "Webhook secret regenerated successfully", noteField: "note")
        static let v3_20 = RegenerateAnswer(message: "Webhook secret regenerated", noteField: "secretNote")
    }

    func addRoutes(to group: RouterGroup<HookdRequestContext>) {
        group.get("webhooks", use: show)
        group.put("webhooks", use: update)
        group.get("webhooks/events", use: events)
        group.post("webhooks/secret/regenerate", use: regenerate)
    }

    /// The single-URL routes of Fyatu's v3.20 pages (family A, SPEC §11.1) under `/api/v3.20`: the same handlers on
    /// the app's one URL. `GET /webhooks` there is the endpoint list (family B), so it is not added here.
    func addV3_20Routes(to group: RouterGroup<HookdRequestContext>) {
        group.put("webhooks", use: update)
        group.post("webhooks/secret/regenerate") { request, context in
            try await regenerate(request, context: context, answer: .v3_20)
        }
    }

    @Sendable func show(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let endpoint = try await store.webhookConfiguration(appID: principal.appID)
        return envelope.success(
            ConfigurationData(endpoint: endpoint),
            message: "Webhook configuration retrieved successfully",
            context: context
        )
    }

    @Sendable func update(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        // Each update may resolve a host name: limited before anything is read.
        try await limiter.take(
            "webhook-updates:\(principal.appID)",
            perMinute: configuration.limits.webhookUpdatesPerMinute
        )
        let body = try await JSONObjectBody.read(request, limit: configuration.maximumBodySize, allowed: ["webhookUrl"])
        var problems: [APIError.FieldError] = []
        let given = body.nullableString("webhookUrl", &problems)
        try problems.throwIfAny()
        let url = given.flatMap { $0?.isEmpty == false ? $0 : nil }
        if let url { try await urlPolicy.check(url, for: principal.environment, field: "webhookUrl") }
        let secret = WebhookSecret.generate()
        let change = try await sealedChange(for: secret, appID: principal.appID, context: context)
        let (endpoint, createdSecret) = try await store.setWebhookURL(
            appID: principal.appID,
            url: url,
            initialSecret: change,
            now: clock.unixSeconds
        )
        if url != nil {
            signal.wake()
        }
        let data = ConfigurationData(endpoint: endpoint, createdSecret: createdSecret ? secret : nil)
        context.logger.info(
            "webhook configuration updated",
            metadata: [
                "hookd.webhook.enabled": .stringConvertible(url != nil),
                "hookd.secret.created": .stringConvertible(createdSecret),
            ]
        )
        return envelope.success(data, message: "Webhook configuration updated successfully", context: context)
    }

    @Sendable func events(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        return envelope.success(
            EventsData(appType: principal.appType),
            message: "Webhook events retrieved successfully",
            context: context
        )
    }

    @Sendable func regenerate(_ request: Request, context: HookdRequestContext) async throws -> Response {
        try await regenerate(request, context: context, answer: .v3)
    }

    func regenerate(
        _ request: Request,
        context: HookdRequestContext,
        answer: RegenerateAnswer
    ) async throws -> Response {
        let principal = try context.requirePrincipal()
        let key = try IdempotencyKeyHeader.value(in: request.headers)
        try await limiter.take("regenerate:\(principal.appID)", perMinute: configuration.limits.regenerationsPerMinute)
        let secret = WebhookSecret.generate()
        let change = try await sealedChange(for: secret, appID: principal.appID, context: context)
        let now = clock.unixSeconds
        let outcome = try await store.replaceWebhookSecret(
            appID: principal.appID,
            change: change,
            now: now,
            idempotencyKey: key.map {
                IdempotencyKey(key: $0, notBefore: now - configuration.idempotencyWindow)
            }
        )
        switch outcome {
        case .notConfigured:
            throw APIError.webhookNotConfigured
        case .replaced(let endpoint):
            context.logger.info(
                "webhook secret regenerated",
                metadata: [
                    "hookd.secret.version": .stringConvertible(endpoint.secretVersion),
                    "hookd.secret.fingerprint": .string(change.fingerprint),
                ]
            )
            return envelope.success(
                RegeneratedData(secret: secret, regeneratedAt: now, noteField: answer.noteField),
                message: answer.message,
                context: context
            )
        case .repeated(let sealed, let regeneratedAt):
            // The answer the first request with this key got: its secret, which may no longer be the one in force.
            let plaintext = try sealingKeys.keyring.open(
                sealed,
                purpose: SecretSealer.webhookSecretPurpose(appID: principal.appID)
            )
            guard let earlier = WebhookSecret(String(decoding: plaintext, as: UTF8.self)) else {
                throw StoreError.corruptRow(table: "idempotency_keys")
            }
            var response = envelope.success(
                RegeneratedData(secret: earlier, regeneratedAt: regeneratedAt, noteField: answer.noteField),
                message: answer.message,
                context: context
            )
            response.headers[IdempotencyKeyHeader.replayed] = "true"
            return response
        }
    }

    private func sealedChange(
        for secret: WebhookSecret,
        appID: AppID,
        context: HookdRequestContext
    ) async throws -> SealedSecretChange {
        // Sealed under the key the database says is in force (which, mid-rotation, may not be this node's own).
        try await sealingKeys.sealedChange(
            to: secret,
            purpose: SecretSealer.webhookSecretPurpose(appID: appID),
            context: context
        )
    }
}
