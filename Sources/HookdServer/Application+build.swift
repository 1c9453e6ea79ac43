import HookdCore
import HookdDelivery
import HookdStore
public import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// Builds the hookd HTTP application: the one place that wires services, routes and middleware together.
///
/// - Parameters:
///   - configuration: How the server behaves.
///   - services: The store, keys, clock and resolver to use.
///   - onServerRunning: Called with the bound host and port once the server accepts connections.
/// - Returns: An application to `runService()` or to test.
public func buildApplication(
    configuration: HookdServerConfiguration,
    services: HookdServices,
    onServerRunning: @escaping @Sendable (_ host: String, _ port: Int) async -> Void = { _, _ in }
) async throws -> some ApplicationProtocol {
    let delivery = try DeliveryServices(configuration: configuration, services: services)
    let router = try await buildRouter(configuration: configuration, services: services, delivery: delivery)
    var background: [any Service] = [delivery.transport]
    if configuration.role.dispatches {
        background.append(delivery.dispatcher)
        background.append(PublishListener(store: services.store, signal: delivery.signal, logger: services.logger))
        background.append(
            RetentionService(
                store: services.store,
                clock: services.clock,
                retention: configuration.retention,
                idempotencyWindow: configuration.idempotencyWindow,
                logger: services.logger
            )
        )
    }
    return Application(
        router: router,
        server: .http1(
            configuration: listenerConfiguration(
                configuration.listener,
                trustedProxies: configuration.trustedProxies,
                clock: services.clock
            )
        ),
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "hookd"
        ),
        services: background,
        onServerRunning: { channel in
            await onServerRunning(configuration.host, channel.localAddress?.port ?? configuration.port)
        },
        logger: services.logger
    )
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

/// The router with every route and middleware; ``buildApplication(configuration:services:onServerRunning:)`` serves it.
func buildRouter(
    configuration: HookdServerConfiguration,
    services: HookdServices,
    delivery: DeliveryServices? = nil
) async throws -> Router<HookdRequestContext> {
    let delivery = try delivery ?? DeliveryServices(configuration: configuration, services: services)
    let signingKey = try await ServerSecrets.tokenSigningKey(store: services.store, sealer: services.sealer)
    let tokens = await TokenService(signingKey: signingKey, lifetime: configuration.tokenLifetime)
    let portalTokens = await PortalTokens(tokenSigningKey: signingKey)
    let portal = PortalSessions(
        tokens: portalTokens,
        store: services.store,
        clock: services.clock,
        configuration: configuration.portal
    )
    let envelope = Envelope(clock: services.clock)
    let metrics = RequestMetrics()
    let authenticator = Authenticator(tokens: tokens, store: services.store, clock: services.clock)
    let limiter = RateLimiter(store: services.store, clock: services.clock)
    let urlPolicy = delivery.urlPolicy

    let router = Router(context: HookdRequestContext.self)
    router.add(middleware: ClientAddressMiddleware(trustedProxies: configuration.trustedProxies))
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    let storeWrites = StoreWriteMonitor(store: services.store, clock: services.clock, logger: services.logger)
    let failures = FailureAnswers(maximumBodySize: configuration.maximumBodySize, storeWrites: storeWrites)
    router.add(middleware: EnvelopeMiddleware(envelope: envelope, failures: failures))

    OperationsRoutes(
        store: services.store,
        envelope: envelope,
        metrics: metrics,
        storeWrites: storeWrites,
        openAPIDocument: try OperationsRoutes.loadOpenAPIDocument(),
        metricsToken: configuration.metricsToken
    ).addRoutes(to: router)

    guard configuration.role.servesAPI else { return router }

    let api = router.group("api/v3")
    var authRoutes = AuthRoutes(
        store: services.store,
        tokens: tokens,
        authenticator: authenticator,
        envelope: envelope,
        clock: services.clock,
        configuration: configuration,
        limiter: limiter
    )
    authRoutes.addRoutes(to: api)

    let operatorKey: String
    if let configured = services.operatorKey {
        operatorKey = configured
    } else {
        operatorKey = try await ServerSecrets.operatorKey(store: services.store, sealer: services.sealer)
    }
    let gate = OperatorGate(
        operatorKey: operatorKey,
        portal: portal,
        limiter: limiter,
        failuresPerAddress: configuration.limits.loginFailuresPerAddress
    )
    InternalEventRoutes(
        publisher: delivery.publisher,
        gate: gate,
        envelope: envelope,
        configuration: configuration
    ).addRoutes(to: api)
    OperatorRoutes(
        store: services.store,
        gate: gate,
        tokens: portalTokens,
        envelope: envelope,
        clock: services.clock,
        configuration: configuration
    ).addRoutes(to: api)

    // The portal's pages and files, and its session's routes (SPEC §12).
    let portalRoutes = PortalRoutes(
        sessions: portal,
        store: services.store,
        assets: try PortalAssets.bundled(),
        envelope: envelope,
        clock: services.clock
    )
    portalRoutes.addRoutes(to: router)
    portalRoutes.addAPIRoutes(to: api)

    let readLimit = ReadLimitMiddleware(limiter: limiter, readsPerMinute: configuration.limits.readsPerMinute)
    let authenticated = api.group()
        .add(middleware: AuthenticationMiddleware(authenticator: authenticator, portal: portal))
        .add(middleware: readLimit)
    let webhookRoutes = WebhookRoutes(
        store: services.store,
        sealer: services.sealer,
        urlPolicy: urlPolicy,
        signal: delivery.signal,
        envelope: envelope,
        clock: services.clock,
        configuration: configuration,
        limiter: limiter
    )
    webhookRoutes.addRoutes(to: authenticated)
    let deliveryRoutes = DeliveryRoutes(
        store: services.store,
        attempter: delivery.attempter,
        signal: delivery.signal,
        envelope: envelope,
        clock: services.clock,
        configuration: configuration,
        limiter: limiter
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
        store: services.store,
        sealer: services.sealer,
        urlPolicy: urlPolicy,
        signal: delivery.signal,
        envelope: envelope,
        clock: services.clock,
        configuration: configuration,
        limiter: limiter,
        deliveryRoutes: deliveryRoutes
    ).addRoutes(to: multiEndpoint)
    EventCatalogueRoutes(envelope: envelope).addRoutes(to: multiEndpoint)
    return router
}

/// The delivery engine of one application: transport, attempter, dispatcher and publisher, wired once.
struct DeliveryServices: Sendable {
    let urlPolicy: WebhookURLPolicy
    let signal: DispatchSignal
    let transport: HTTPWebhookTransport
    let attempter: DeliveryAttempter
    let dispatcher: DeliveryDispatcher
    let publisher: EventPublisher

    init(configuration: HookdServerConfiguration, services: HookdServices) throws {
        let settings = configuration.delivery
        urlPolicy = WebhookURLPolicy(
            allowHTTPTargets: configuration.allowHTTPTargets,
            addressPolicy: AddressPolicy(allowPrivateTargets: configuration.allowPrivateTargets),
            resolver: services.resolver,
            resolutionTimeout: min(settings.resolutionTimeout, settings.timeout)
        )
        signal = DispatchSignal()
        // Every attempt in flight may be to one address: keep as many connections for it as can be busy at once.
        var transportSettings = settings.transport
        transportSettings.maximumIdleConnectionsPerAddress = max(
            transportSettings.maximumIdleConnectionsPerAddress,
            settings.maximumInFlightPerEndpoint
        )
        transportSettings.maximumIdleConnections = max(
            transportSettings.maximumIdleConnections,
            settings.maximumInFlight
        )
        transport = try HTTPWebhookTransport(configuration: transportSettings)
        attempter = DeliveryAttempter(
            store: services.store,
            signers: SignerCache(sealer: services.sealer),
            urlPolicy: urlPolicy,
            transport: transport,
            retryPolicy: ScheduledRetryPolicy(settings, for: .v3),
            endpointRetryPolicy: ScheduledRetryPolicy(settings, for: .v3_20),
            clock: services.clock,
            configuration: settings,
            logger: services.logger
        )
        dispatcher = DeliveryDispatcher(
            store: services.store,
            attempter: attempter,
            signal: signal,
            clock: services.clock,
            configuration: settings,
            logger: services.logger
        )
        publisher = EventPublisher(
            store: services.store,
            clock: services.clock,
            signal: signal,
            attemptsAllowed: settings.attemptsAllowed
        )
    }
}
