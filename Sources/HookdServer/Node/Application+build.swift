import HookdCore
import HookdDelivery
import HookdStore
public import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// Builds a hookd node from its configuration: the one place that wires the store, the delivery engine, the routes,
/// the middleware and the services a node runs.
///
/// `hookd serve` runs what it returns in its service group (``serve(configuration:dataDirectory:databaseURL:environment:logger:onListening:)``);
/// tests build their nodes with it too, their clock, resolver and store given in `dependencies`.
///
/// - Parameters:
///   - configuration: How the node behaves.
///   - dependencies: The store, keys, clock and resolver to use.
///   - onServerRunning: Called with the bound host and port once the server accepts connections.
/// - Returns: An application to `run()` (its services run beside the server and stop after it) or to test.
public func buildApplication(
    configuration: HookdServerConfiguration,
    dependencies: NodeDependencies,
    onServerRunning: @escaping @Sendable (_ host: String, _ port: Int) async -> Void = { _, _ in }
) async throws -> some ApplicationProtocol {
    let node = try await HookdNode(configuration: configuration, dependencies: dependencies)
    return Application(
        router: node.router,
        server: .http1(
            configuration: listenerConfiguration(
                configuration.listener,
                trustedProxies: configuration.trustedProxies,
                clock: dependencies.clock
            )
        ),
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "hookd"
        ),
        services: node.services,
        onServerRunning: { channel in
            await onServerRunning(configuration.host, channel.localAddress?.port ?? configuration.port)
        },
        logger: dependencies.logger
    )
}

/// What one node runs beside its HTTP server: its router, and the services the application's group runs.
///
/// The group stops them in the reverse of their order, after the server: the retention job and the publish
/// listener, then the dispatcher (which lets its attempts in flight finish), then the transport they used, then
/// the batching writers, once every event and attempt record given to them is written, and last the telemetry
/// exports (when `--otel-endpoint` is set), which send what is left.
struct HookdNode {
    let router: Router<HookdRequestContext>
    let services: [any Service]

    init(configuration: HookdServerConfiguration, dependencies: NodeDependencies) async throws {
        try await OperatorWebhookSetup(dependencies).configure(url: configuration.operatorWebhookURL)
        let telemetry = try NodeTelemetry.make(configuration.telemetry, logger: dependencies.logger)
        let engine = try DeliveryEngine(configuration: configuration, dependencies: dependencies, telemetry: telemetry)
        router = try await buildRouter(
            configuration: configuration,
            dependencies: dependencies,
            engine: engine,
            telemetry: telemetry
        )
        // The exports stop last, once the attempts whose spans they send are over.
        var services: [any Service] = telemetry.map { [$0.service] } ?? []
        services += [BatchingWriters(engine.publisher.writers + engine.attempter.writers), engine.transport]
        if configuration.role.dispatches {
            services.append(engine.dispatcher)
            services.append(
                PublishListener(store: dependencies.store, signal: engine.signal, logger: dependencies.logger)
            )
            services.append(
                RetentionService(
                    store: dependencies.store,
                    clock: dependencies.clock,
                    retention: configuration.retention,
                    idempotencyWindow: configuration.idempotencyWindow,
                    logger: dependencies.logger
                )
            )
        }
        self.services = services
    }
}

/// The HTTP/1 listener with hookd's limits on connections (``HookdServerConfiguration/Listener``).
func listenerConfiguration(
    _ listener: HookdServerConfiguration.Listener,
    trustedProxies: [AddressRange],
    clock: any WallClock
) -> HTTP1Channel.Configuration {
    let open = ConnectionGuard.OpenConnections()
    let envelope = Envelope(clock: clock)
    let refusal: @Sendable (APIError) -> (requestID: RequestID, body: [UInt8]) = { error in
        let requestID = Identifiers.requestID()
        return (requestID, envelope.failureBody(error, requestID: requestID))
    }
    let limits = ConnectionGuard.Limits(
        maximumConnections: listener.maximumConnections,
        maximumConnectionsPerAddress: listener.maximumConnectionsPerAddress,
        trustedProxies: trustedProxies,
        requestTimeout: TimeAmount(listener.requestTimeout)
    )
    let makeGuard: @Sendable () -> any RemovableChannelHandler = {
        ConnectionGuard(open: open, limits: limits, refusal: refusal)
    }
    return HTTP1Channel.Configuration(
        additionalChannelHandlers: [makeGuard()],
        idleTimeout: TimeAmount(listener.idleTimeout)
    )
}

/// The router of a ``HookdNode``, with every route and middleware, on the node's delivery engine.
private func buildRouter(
    configuration: HookdServerConfiguration,
    dependencies: NodeDependencies,
    engine: DeliveryEngine,
    telemetry: NodeTelemetry?
) async throws -> Router<HookdRequestContext> {
    let signingKey = try await ServerSecrets.tokenSigningKey(store: dependencies.store, sealer: dependencies.sealer)
    let tokens = await TokenService(signingKey: signingKey, lifetime: configuration.tokenLifetime)
    let portalTokens = await PortalTokens(tokenSigningKey: signingKey)
    let portal = PortalSessions(
        tokens: portalTokens,
        store: dependencies.store,
        clock: dependencies.clock,
        configuration: configuration.portal
    )
    let envelope = Envelope(clock: dependencies.clock)
    let metrics = RequestMetrics(exportingTo: telemetry?.metrics)
    let authenticator = Authenticator(tokens: tokens, store: dependencies.store, clock: dependencies.clock)
    let limiter = RateLimiter(store: dependencies.store, clock: dependencies.clock)
    let urlPolicy = engine.urlPolicy

    let router = Router(context: HookdRequestContext.self)
    router.add(middleware: ClientAddressMiddleware(trustedProxies: configuration.trustedProxies))
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    let storeWrites = StoreWriteMonitor(
        store: dependencies.store,
        clock: dependencies.clock,
        logger: dependencies.logger
    )
    let failures = FailureAnswers(maximumBodySize: configuration.maximumBodySize, storeWrites: storeWrites)
    router.add(middleware: EnvelopeMiddleware(envelope: envelope, failures: failures))

    OperationsRoutes(
        store: dependencies.store,
        envelope: envelope,
        metrics: metrics,
        storeWrites: storeWrites,
        openAPIDocument: try OperationsRoutes.loadOpenAPIDocument(),
        metricsToken: configuration.metricsToken,
        healthTimeout: configuration.healthTimeout
    ).addRoutes(to: router)

    guard configuration.role.servesAPI else { return router }

    let services = RouteServices(
        envelope: envelope,
        clock: dependencies.clock,
        configuration: configuration,
        limiter: limiter,
        signal: engine.signal
    )
    let api = router.group("api/v3")
    var authRoutes = AuthRoutes(
        store: dependencies.store,
        tokens: tokens,
        authenticator: authenticator,
        services: services
    )
    authRoutes.addRoutes(to: api)

    let operatorKey: String
    if let configured = dependencies.operatorKey {
        operatorKey = configured
    } else {
        operatorKey = try await ServerSecrets.operatorKey(store: dependencies.store, sealer: dependencies.sealer)
    }
    let gate = OperatorGate(
        operatorKey: operatorKey,
        portal: portal,
        limiter: limiter,
        failuresPerAddress: configuration.limits.loginFailuresPerAddress
    )
    InternalEventRoutes(
        publisher: engine.publisher,
        gate: gate,
        services: services,
        spans: telemetry.map { PublishSpans(tracer: $0.tracer) }
    ).addRoutes(to: api)
    OperatorRoutes(
        store: dependencies.store,
        gate: gate,
        tokens: portalTokens,
        services: services
    ).addRoutes(to: api)

    // The portal's pages and files, and its session's routes (SPEC §12).
    let portalRoutes = PortalRoutes(
        sessions: portal,
        store: dependencies.store,
        assets: try PortalAssets.bundled(),
        services: services
    )
    portalRoutes.addRoutes(to: router)
    portalRoutes.addAPIRoutes(to: api)

    let readLimit = ReadLimitMiddleware(limiter: limiter, readsPerMinute: configuration.limits.readsPerMinute)
    let authenticated = api.group()
        .add(middleware: AuthenticationMiddleware(authenticator: authenticator, portal: portal))
        .add(middleware: readLimit)
    // Every master key this node holds: opens what any of them sealed, and picks the one that seals.
    let sealingKeys = SealingKeys(keyring: dependencies.sealer, store: dependencies.store)
    let webhookRoutes = WebhookRoutes(
        store: dependencies.store,
        sealingKeys: sealingKeys,
        urlPolicy: urlPolicy,
        services: services
    )
    webhookRoutes.addRoutes(to: authenticated)
    let deliveryRoutes = DeliveryRoutes(
        store: dependencies.store,
        attempter: engine.attempter,
        services: services
    )
    deliveryRoutes.addRoutes(to: authenticated)

    // The v3.20 interface (SPEC §11): the same tokens, or the app's secret key itself as the bearer.
    let v3_20Authentication = AuthenticationMiddleware(
        authenticator: authenticator,
        portal: portal,
        acceptsSecretKey: true
    )
    authRoutes.version = .v3_20
    authRoutes.addRoutes(to: router.group("api/v3.20"))
    // Fyatu's single-URL (family A) routes act on the app's v3 URL and answer as v3 does (SPEC §11.1): a group of
    // their own, apart from the multi-endpoint routes' answers.
    let singleURL = router.group("api/v3.20").add(middleware: v3_20Authentication).add(middleware: readLimit)
    webhookRoutes.addV3_20Routes(to: singleURL)
    deliveryRoutes.addV3_20Routes(to: singleURL)

    // The multi-endpoint routes answer as Fyatu's CaaS pages do (SPEC §11.1), authentication's failures included.
    let multiEndpoint = router.group("api/v3.20")
        .add(middleware: EnvelopeMiddleware(envelope: envelope, failures: failures, dialect: .caas))
        .add(middleware: v3_20Authentication)
        .add(middleware: readLimit)
    EndpointRoutes(
        store: dependencies.store,
        sealingKeys: sealingKeys,
        urlPolicy: urlPolicy,
        services: services,
        deliveryRoutes: deliveryRoutes
    ).addRoutes(to: multiEndpoint)
    EventCatalogueRoutes(services: services).addRoutes(to: multiEndpoint)
    // An ED25519 endpoint's public keys (SPEC §15): unauthenticated, found by the unguessable token in their URL.
    let publicKeys = router.group("api/v3.20")
        .add(middleware: EnvelopeMiddleware(envelope: envelope, failures: failures, dialect: .caas))
    PublicKeyRoutes(store: dependencies.store, sealingKeys: sealingKeys, services: services).addRoutes(to: publicKeys)
    return router
}
