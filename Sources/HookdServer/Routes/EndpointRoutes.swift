import HookdCore
import HookdDelivery
import HookdStore
import HookdVerify
import Hummingbird
import Logging

/// The v3.20 webhook interface (SPEC §11): an app's endpoints, their secrets, tests, deliveries, recovery and
/// statistics, under `/api/v3.20`.
struct EndpointRoutes: APIRoutes, Sendable {
    let store: any EndpointStore
    let sealingKeys: SealingKeys
    let urlPolicy: WebhookURLPolicy
    let services: RouteServices
    let deliveryRoutes: DeliveryRoutes

    /// The longest rotation overlap accepted: seven days.
    static let maximumOverlap: Duration = .seconds(604_800)
    /// The most hours `stats` covers: seven days.
    static let maximumStatsHours = 168

    func addRoutes(to group: RouterGroup<HookdRequestContext>) {
        group.get("webhooks", use: list)
        group.post("webhooks", use: create)
        group.get("webhooks/:webhookId", use: show)
        group.patch("webhooks/:webhookId", use: update)
        group.delete("webhooks/:webhookId", use: delete)
        group.post("webhooks/:webhookId/secret/rotate", use: rotate)
        group.post("webhooks/:webhookId/test", use: test)
        group.get("webhooks/:webhookId/deliveries", use: deliveries)
        group.post("webhooks/:webhookId/recover", use: recover)
        group.post("webhooks/:webhookId/enable", use: enable)
        group.get("webhooks/:webhookId/stats", use: stats)
    }

    @Sendable func list(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        var problems: [APIError.FieldError] = []
        let page = PageQuery(request.uri.queryParameters, &problems)
        try problems.throwIfAny()
        let (items, total) = try await store.endpoints(appID: principal.appID, limit: page.limit, offset: page.offset)
        return envelope.success(
            EndpointListData(items: try items.map { try data($0, principal, request) }),
            message: "Webhooks retrieved",
            pagination: Pagination(total: total, limit: page.limit, offset: page.offset),
            context: context
        )
    }

    @Sendable func create(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let body = try await readChange(
            request,
            of: principal,
            allowed: ["url", "events", "description", "headers", "rateLimit", "secret", "signatureScheme", "ordering"]
        )
        var problems: [APIError.FieldError] = []
        let url = body.string("url", &problems)
        if body.value("events") == nil { problems.append(.init(field: "events", message: "is required")) }
        let broughtSecret = body.optionalString("secret", &problems)
        let schemeName = body.optionalString("signatureScheme", &problems)
        let scheme = schemeName.map { Endpoint.SigningScheme(rawValue: $0) } ?? .hmac
        if scheme == nil { problems.append(.init(field: "signatureScheme", message: "must be HMAC or ED25519")) }
        if scheme == .ed25519, broughtSecret != nil {
            problems.append(.init(field: "secret", message: "an ED25519 endpoint's key pair is made by hookd"))
        }
        let settings = try settings(in: body, principal: principal, &problems)
        let ordering = Self.ordering(in: body, &problems)
        guard let url, let scheme, settings.events != nil, problems.isEmpty else { throw APIError.validation(problems) }
        let secret: WebhookSecret
        if let broughtSecret {
            guard let brought = WebhookSecret(broughtByApp: broughtSecret) else {
                throw APIError.validation(
                    field: "secret",
                    "must be whsec_ followed by 24 to 64 characters of standard base64"
                )
            }
            secret = brought
        } else {
            secret = WebhookSecret.generateForEndpoint()
        }
        let headers = try Self.headers(settings.headers, keeping: .none)
        try await urlPolicy.check(url, for: principal.environment, field: "url")
        let id = Identifiers.webhookID()
        let now = clock.unixSeconds
        // An ED25519 endpoint's private key takes the secret's place, sealed alike (SPEC §15).
        let key = scheme == .ed25519 ? WebhookSigningKey() : nil
        let endpoint = Endpoint(
            id: id,
            appID: principal.appID,
            format: .v3_20,
            signingScheme: scheme,
            publicKeysToken: key == nil ? nil : Self.publicKeysToken(),
            ordering: ordering ?? .none,
            url: url,
            description: settings.description ?? "",
            events: settings.events,
            sealedHeaders: try await seal(headers, appID: principal.appID, endpointID: id),
            rateLimit: settings.rateLimit ?? nil,
            secretPrefix: key.map(Self.prefixShown) ?? secret.prefixShown,
            sealedSecret: nil,
            createdAt: now,
            updatedAt: now
        )
        let limit = configuration.limits.endpointsPerApp
        let change =
            if let key {
                try await sealedChange(for: key, endpointID: id, appID: principal.appID, context: context)
            } else {
                try await sealedChange(for: secret, endpointID: id, appID: principal.appID, context: context)
            }
        guard try await store.createEndpoint(endpoint, secret: change, limit: limit) else {
            throw APIError.endpointLimitReached(limit)
        }
        context.logger.info("webhook endpoint created", metadata: ["hookd.webhook.id": .string(id.rawValue)])
        return envelope.success(
            try data(endpoint, principal, request),
            message: "Webhook created",
            status: .created,
            secret: key == nil ? secret : nil,
            publicKey: key?.publicKey.description,
            context: context
        )
    }

    @Sendable func show(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let (principal, endpoint) = try await requireEndpoint(context)
        return envelope.success(try data(endpoint, principal, request), message: "Webhook retrieved", context: context)
    }

    @Sendable func update(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let (principal, endpoint) = try await requireEndpoint(context)
        let body = try await readChange(
            request,
            of: principal,
            allowed: ["url", "description", "events", "enabled", "headers", "rateLimit", "ordering"]
        )
        var problems: [APIError.FieldError] = []
        let url = body.optionalString("url", &problems)
        if body.value("url") == .null { problems.append(.init(field: "url", message: "must be a string")) }
        let enabled = body.optionalBool("enabled", &problems)
        let ordering = Self.ordering(in: body, &problems)
        let settings = try settings(in: body, principal: principal, &problems)
        try problems.throwIfAny()
        if settings.events != nil && endpoint.format == .v3 {
            throw APIError.validation(field: "events", "the v3 URL receives every event; it has no subscription")
        }
        if ordering != nil && endpoint.format == .v3 {
            throw APIError.validation(field: "ordering", "the v3 URL does not keep order; a v3.20 endpoint can")
        }
        // A value sent back as an answer showed it (the marker) keeps the one stored.
        let headers = try settings.headers.map { try Self.headers($0, keeping: try opened(endpoint)) }
        if let url { try await urlPolicy.check(url, for: principal.environment, field: "url") }
        var sealedHeaders: [UInt8]?? = nil
        if let headers {
            sealedHeaders = .some(try await seal(headers, appID: principal.appID, endpointID: endpoint.id))
        }
        let change = EndpointChange(
            url: url,
            description: settings.description,
            events: settings.events,
            enabled: enabled,
            sealedHeaders: sealedHeaders,
            rateLimit: settings.rateLimit,
            ordering: ordering,
            noticeAttemptsAllowed: configuration.delivery.attemptsAllowed.endpoint
        )
        guard
            let updated = try await store.updateEndpoint(
                appID: principal.appID,
                id: endpoint.id,
                change,
                now: clock.unixSeconds
            )
        else { throw APIError.notFound }
        if updated.status == .active { signal.wake() }
        return envelope.success(try data(updated, principal, request), message: "Webhook updated", context: context)
    }

    @Sendable func delete(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let (principal, endpoint) = try await requireEndpoint(context)
        guard endpoint.format == .v3_20 else {
            throw APIError.validation(
                field: "webhookId",
                "the v3 URL is removed with PUT /api/v3/webhooks {\"webhookUrl\":null}"
            )
        }
        guard try await store.deleteEndpoint(appID: principal.appID, id: endpoint.id, now: clock.unixSeconds) else {
            throw APIError.notFound
        }
        context.logger.info("webhook endpoint deleted", metadata: ["hookd.webhook.id": .string(endpoint.id.rawValue)])
        return envelope.success(
            EndpointDeletedData(webhookID: endpoint.id),
            message: "Webhook deleted",
            context: context
        )
    }

    @Sendable func rotate(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let (principal, endpoint) = try await requireEndpoint(context)
        try await limiter.take("regenerate:\(principal.appID)", perMinute: configuration.limits.regenerationsPerMinute)
        var overlap: Duration = .zero
        let bytes = try await JSONObjectBody.collect(request, limit: configuration.maximumBodySize)
        if !bytes.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
            let body = try JSONObjectBody.parse(bytes, allowed: ["overlapSeconds"])
            var problems: [APIError.FieldError] = []
            let seconds = body.nullableInteger("overlapSeconds", &problems)
            try problems.throwIfAny()
            if let seconds = seconds ?? nil {
                guard (0...Self.maximumOverlap.components.seconds).contains(Int64(seconds)) else {
                    throw APIError.validation(
                        field: "overlapSeconds",
                        "must be a whole number from 0 to \(Self.maximumOverlap.components.seconds)"
                    )
                }
                overlap = .seconds(seconds)
            }
        }
        // The v3 URL keeps the v3 secret shape (SPEC §4); other endpoints get theirs.
        let secret = endpoint.format == .v3 ? WebhookSecret.generate() : WebhookSecret.generateForEndpoint()
        // An ED25519 endpoint gets a new key pair; its old key signs beside the new one while the overlap lasts.
        let key = endpoint.signingScheme == .ed25519 ? WebhookSigningKey() : nil
        let change =
            if let key {
                try await sealedChange(for: key, endpointID: endpoint.id, appID: principal.appID, context: context)
            } else {
                try await sealedChange(for: secret, endpointID: endpoint.id, appID: principal.appID, context: context)
            }
        guard
            let rotated = try await store.rotateEndpointSecret(
                appID: principal.appID,
                id: endpoint.id,
                change: change,
                secretPrefix: key.map(Self.prefixShown) ?? secret.prefixShown,
                overlapUntil: overlap == .zero ? nil : clock.unixMillis + overlap,
                now: clock.unixSeconds
            )
        else { throw APIError.notFound }
        context.logger.info(
            "webhook secret rotated",
            metadata: [
                "hookd.webhook.id": .string(endpoint.id.rawValue),
                "hookd.secret.version": .stringConvertible(rotated.secretVersion),
                "hookd.secret.overlap_seconds": .stringConvertible(overlap.components.seconds),
            ]
        )
        return envelope.success(
            try data(rotated, principal, request),
            message: "Webhook secret rotated",
            secret: key == nil ? secret : nil,
            publicKey: key?.publicKey.description,
            context: context
        )
    }

    @Sendable func test(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let (principal, endpoint) = try await requireEndpoint(context)
        return try await deliveryRoutes.sendTest(request, to: endpoint, principal: principal, context: context)
    }

    @Sendable func deliveries(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let (_, endpoint) = try await requireEndpoint(context)
        return try await deliveryRoutes.listDeliveries(request, endpointID: endpoint.id, context: context)
    }

    @Sendable func recover(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let (principal, endpoint) = try await requireEndpoint(context)
        try await limiter.take("retries:\(principal.appID)", perMinute: configuration.limits.retriesPerMinute)
        let body = try await JSONObjectBody.read(
            request,
            limit: configuration.maximumBodySize,
            allowed: ["since", "until"]
        )
        var problems: [APIError.FieldError] = []
        let since = body.string("since", &problems).flatMap { text in
            Self.instant(text, field: "since", &problems)
        }
        let until = body.optionalString("until", &problems).flatMap { text in
            Self.instant(text, field: "until", &problems)
        }
        try problems.throwIfAny()
        guard let since else { throw APIError.validation(problems) }
        let now = clock.unixMillis
        let end = until ?? now
        guard since < end else { throw APIError.validation(field: "until", "must be later than since") }
        guard
            let recovered = try await store.recoverDeliveries(
                appID: principal.appID,
                endpointID: endpoint.id,
                createdIn: since..<end,
                now: now,
                limit: configuration.limits.recoveriesPerCall,
                maximumManualRetries: configuration.limits.manualRetriesPerDelivery
            )
        else { throw APIError.notFound }
        if recovered.queued > 0 { signal.wake() }
        return envelope.success(
            RecoveryData(queued: recovered.queued, hasMore: recovered.hasMore),
            message: "Recovery queued",
            status: .accepted,
            context: context
        )
    }

    @Sendable func stats(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let (principal, endpoint) = try await requireEndpoint(context)
        var problems: [APIError.FieldError] = []
        let hours = PageQuery.integer(
            request.uri.queryParameters["hours"],
            name: "hours",
            default: 24,
            range: 1...Self.maximumStatsHours,
            &problems
        )
        try problems.throwIfAny()
        let now = clock.unixMillis
        let since = UnixMillis(now.rawValue - now.rawValue % 3_600_000) - .seconds(3_600 * (hours - 1))
        guard
            let counted = try await store.attemptHours(
                appID: principal.appID,
                endpointID: endpoint.id,
                from: since,
                hours: hours
            )
        else { throw APIError.notFound }
        return envelope.success(
            EndpointStatsData(hours: EndpointStatsData.hours(counted, count: hours, from: since)),
            message: "Webhook stats retrieved",
            context: context
        )
    }

    // MARK: Shared steps

    /// The endpoint named by the path, of the caller's app: another app's is not found (never forbidden).
    func requireEndpoint(_ context: HookdRequestContext) async throws -> (Principal, Endpoint) {
        let principal = try context.requirePrincipal()
        guard let id = EndpointID(validating: try context.parameters.require("webhookId")),
            let endpoint = try await store.endpoint(appID: principal.appID, id: id)
        else { throw APIError.notFound }
        return (principal, endpoint)
    }

    /// The endpoint as answers show it, its headers opened (and redacted by ``EndpointData``); its `publicKeysUrl` on
    /// `--public-url`, or on the request's `Host` when none is set.
    func data(_ endpoint: Endpoint, _ principal: Principal, _ request: Request) throws -> EndpointData {
        let base =
            configuration.portal.publicURL.flatMap(PortalPublicURL.init)
            ?? PortalPublicURL.fromHostHeader(request.head.authority)
        return EndpointData(
            endpoint: endpoint,
            publicKeysURL: endpoint.publicKeysToken.map { token in
                (base?.text ?? "") + "/api/v3.20/keys/\(token).json"
            },
            headers: try opened(endpoint),
            appType: principal.appType,
            environment: principal.environment,
            disableAfter: configuration.delivery.endpointDisableAfter
        )
    }

    /// The endpoint's custom headers, opened.
    private func opened(_ endpoint: Endpoint) throws -> EndpointHeaders {
        try EndpointHeaders(
            sealed: endpoint.sealedHeaders,
            openedBy: sealingKeys.keyring,
            appID: endpoint.appID,
            endpointID: endpoint.id
        )
    }

    /// Headers sealed for the store, under the key the database says is in force; `nil` when there are none.
    private func seal(_ headers: EndpointHeaders, appID: AppID, endpointID: EndpointID) async throws -> [UInt8]? {
        guard !headers.fields.isEmpty else { return nil }
        let sealer = try await sealingKeys.sealer()
        return try headers.sealed(by: sealer, appID: appID, endpointID: endpointID)
    }

    /// Headers an app sent, checked; a value that is ``HeaderRedaction/marker`` keeps the one `stored` has.
    private static func headers(
        _ sent: [String: String]?,
        keeping stored: EndpointHeaders
    ) throws -> EndpointHeaders {
        guard let sent else { return .none }
        do {
            return try EndpointHeaders(validating: sent, keeping: stored)
        } catch {
            throw APIError.validation(field: error.field, error.message)
        }
    }

    /// The body of a creation or a change, read once the app's limit on URL changes allowed it: each may resolve
    /// a host name, so the limit (shared with `PUT /api/v3/webhooks`) comes before anything is read.
    func readChange(
        _ request: Request,
        of principal: Principal,
        allowed: Set<String>
    ) async throws -> JSONObjectBody {
        try await limiter.take(
            "webhook-updates:\(principal.appID)",
            perMinute: configuration.limits.webhookUpdatesPerMinute
        )
        return try await JSONObjectBody.read(request, limit: configuration.maximumBodySize, allowed: allowed)
    }

    /// The settings a creation or a change may send, checked (each `nil` when not sent); problems of type end the
    /// request with every one found so far.
    private func settings(
        in body: JSONObjectBody,
        principal: Principal,
        _ problems: inout [APIError.FieldError]
    ) throws -> (events: [String]?, description: String?, headers: [String: String]?, rateLimit: Int??) {
        let events = body.stringArray("events", &problems)
        let description = body.optionalString("description", &problems)
        let headers = body.stringObject("headers", &problems)
        let rateLimit = body.nullableInteger("rateLimit", &problems)
        try problems.throwIfAny()
        do {
            return (
                try events.map { try EndpointRules.events($0, for: principal.appType) },
                try description.map { try EndpointRules.description($0) },
                headers,
                try rateLimit.map { try EndpointRules.rateLimit($0) }
            )
        } catch let error as EndpointFieldError where error.isUnknownEvent {
            throw APIError.invalidEventType(field: error.field, error.message, status: .unprocessableContent)
        } catch let error as EndpointFieldError {
            throw APIError.validation(field: error.field, error.message)
        }
    }

    private func sealedChange(
        for secret: WebhookSecret,
        endpointID: EndpointID,
        appID: AppID,
        context: HookdRequestContext
    ) async throws -> SealedSecretChange {
        // Sealed under the key the database says is in force (which, mid-rotation, may not be this node's own).
        try await sealingKeys.sealedChange(
            to: secret,
            purpose: SecretSealer.webhookSecretPurpose(appID: appID, endpointID: endpointID),
            context: context
        )
    }

    /// An ED25519 endpoint's private key sealed as its secret, audited by its public key's id (never by the key).
    private func sealedChange(
        for key: WebhookSigningKey,
        endpointID: EndpointID,
        appID: AppID,
        context: HookdRequestContext
    ) async throws -> SealedSecretChange {
        SealedSecretChange(
            sealedSecret: try await sealingKeys.sealer().seal(
                Array(key.privateKeyText.utf8),
                purpose: SecretSealer.webhookSecretPurpose(appID: appID, endpointID: endpointID)
            ),
            fingerprint: "fp_" + key.publicKey.keyID,
            requestID: context.requestID,
            clientAddress: context.clientAddress,
            secretPrefix: Self.prefixShown(key)
        )
    }

    /// What an ED25519 endpoint shows as `secretPrefix`: its public key's first characters, `whpk_` and 6 more.
    static func prefixShown(_ key: WebhookSigningKey) -> String {
        String(key.publicKey.description.prefix(WebhookPublicKey.prefix.count + 6))
    }

    /// The unguessable path segment of an endpoint's public keys: 32 random bytes as 64 lowercase hex digits.
    static func publicKeysToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// An ISO 8601 time (`2026-01-15T10:30:00Z` or with an offset) as Unix milliseconds.
    static func instant(_ text: String, field: String, _ problems: inout [APIError.FieldError]) -> UnixMillis? {
        guard let instant = ISO8601Instant.parse(text) else {
            problems.append(.init(field: field, message: "must be an ISO 8601 time such as 2026-01-15T10:30:00Z"))
            return nil
        }
        return instant
    }
}
