import HookdCore
import HookdDelivery
import HookdStore

/// The delivery engine of one node: its URL policy, transport, attempter, dispatcher and publisher, wired once by
/// ``HookdNode``.
struct DeliveryEngine: Sendable {
    let urlPolicy: WebhookURLPolicy
    let signal: DispatchSignal
    let transport: HTTPWebhookTransport
    let attempter: DeliveryAttempter
    let dispatcher: DeliveryDispatcher
    let publisher: EventPublisher

    init(configuration: HookdServerConfiguration, dependencies: NodeDependencies, telemetry: NodeTelemetry?) throws {
        let settings = configuration.delivery
        urlPolicy = WebhookURLPolicy(
            allowHTTPTargets: configuration.allowHTTPTargets,
            addressPolicy: AddressPolicy(allowPrivateTargets: configuration.allowPrivateTargets),
            resolver: dependencies.resolver(for: settings),
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
            store: dependencies.store,
            signers: SignerCache(sealer: dependencies.sealer),
            urlPolicy: urlPolicy,
            transport: transport,
            retryPolicy: ScheduledRetryPolicy(settings, for: .v3),
            endpointRetryPolicy: ScheduledRetryPolicy(settings, for: .v3_20),
            clock: dependencies.clock,
            configuration: settings,
            logger: dependencies.logger,
            spans: telemetry.map { AttemptSpans(tracer: $0.tracer) }
        )
        dispatcher = DeliveryDispatcher(attempter: attempter, signal: signal)
        publisher = EventPublisher(
            store: dependencies.store,
            clock: dependencies.clock,
            signal: signal,
            attemptsAllowed: settings.attemptsAllowed
        )
    }
}
