import HookdCore
import HookdDelivery
import HookdStore
import Logging
import ServiceLifecycleTestKit

/// A ``DeliveryDispatcher`` over a ``FakeDeliveryQueue`` that sends through a ``FakeWebhookTransport`` on a
/// ``ManualWallClock``, and ``withRunningDispatcher(_:)`` to run it for the length of a test.
struct DispatcherFixture {
    let queue = FakeDeliveryQueue()
    let transport = FakeWebhookTransport()
    let clock = ManualWallClock()
    let signal = DispatchSignal()
    let sealer = SecretSealer(primary: MasterKey.generate())
    let configuration: DeliveryConfiguration
    let dispatcher: DeliveryDispatcher
    private let attempter: DeliveryAttempter

    /// - Parameter configure: Changes the configuration, whose retries have no jitter and whose idle poll is short
    ///   (a claim that failed is tried again soon).
    init(configure: (inout DeliveryConfiguration) -> Void = { _ in }) {
        var configuration = DeliveryConfiguration()
        configuration.retryJitter = 0
        configuration.idlePollInterval = .milliseconds(20)
        configure(&configuration)
        self.configuration = configuration
        let logger = Logger(label: "hookd.test.dispatcher") { _ in SwiftLogNoOpLogHandler() }
        attempter = DeliveryAttempter(
            store: queue,
            signers: SignerCache(sealer: sealer),
            // The test URLs are loopback literals: nothing is resolved, and the fake transport connects nowhere.
            urlPolicy: WebhookURLPolicy(
                allowHTTPTargets: true,
                addressPolicy: AddressPolicy(allowPrivateTargets: true),
                resolver: NoNameResolver()
            ),
            transport: transport,
            retryPolicy: ScheduledRetryPolicy(configuration),
            clock: clock,
            configuration: configuration,
            logger: logger
        )
        dispatcher = DeliveryDispatcher(attempter: attempter, signal: signal)
    }

    /// A fixture whose dispatcher has `slots` request slots and claims as many at a time, of which one app may
    /// hold `perApp` and one endpoint `perEndpoint`.
    init(slots: Int, perApp: Int, perEndpoint: Int) {
        self.init {
            $0.maximumInFlight = slots
            $0.claimBatchSize = slots
            $0.maximumInFlightPerApp = perApp
            $0.maximumInFlightPerEndpoint = perEndpoint
        }
    }

    /// The URL deliveries to `endpoint` of `app` go to.
    static func url(app: AppID, endpoint: EndpointID) -> String {
        "http://127.0.0.1:9/\(app)/\(endpoint.rawValue)"
    }

    /// Adds a pending delivery to `endpoint` of `app`, due `dueIn` from now, its secret sealed as the store seals it.
    func add(
        _ id: DeliveryID,
        app: AppID = AppID("app_a"),
        endpoint: EndpointID = EndpointID("whk_a"),
        attempts: Int = 0,
        dueIn: Duration = .zero
    ) throws {
        let secret = WebhookSecret.generate()
        let delivery = ClaimedDelivery(
            id: id,
            appID: app,
            eventID: EventID("evt_\(id.rawValue)"),
            event: "card.created",
            data: Array(#"{"id":"\#(id.rawValue)"}"#.utf8),
            attempts: attempts,
            attemptsAllowed: configuration.attemptsAllowed.v3URL,
            leaseID: LeaseID("lease_none"),
            endpointID: endpoint,
            target: DeliveryTarget(
                url: Self.url(app: app, endpoint: endpoint),
                sealedSecret: try sealer.seal(
                    Array(secret.value.utf8),
                    purpose: SecretSealer.webhookSecretPurpose(appID: app, endpointID: endpoint)
                ),
                secretVersion: 1
            )
        )
        queue.add(delivery, dueAt: clock.unixMillis + dueIn)
    }

    /// Runs the dispatcher while `body` runs, then shuts it down gracefully and returns once it has stopped and its
    /// records are written. `body` may begin the shutdown itself with the trigger it is given.
    func withRunningDispatcher<Result: Sendable>(
        _ body: (GracefulShutdownTestTrigger) async throws -> Result
    ) async throws -> Result {
        try await testGracefulShutdown { shutdown in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await dispatcher.run() }
                let result: Result
                do {
                    result = try await body(shutdown)
                } catch {
                    shutdown.triggerGracefulShutdown()
                    transport.releaseHeld()
                    try await group.waitForAll()
                    throw error
                }
                shutdown.triggerGracefulShutdown()
                try await group.waitForAll()
                for writer in attempter.writers { await writer.drained() }
                return result
            }
        }
    }
}

/// A resolver for tests whose URLs are address literals: any name is an error.
private struct NoNameResolver: HostResolver {
    func addresses(of host: String) async throws -> [IPAddress] {
        throw HostResolutionError(description: "the dispatcher tests resolve no names")
    }
}
