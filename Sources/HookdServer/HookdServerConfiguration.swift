public import HookdCore
public import HookdDelivery
public import Logging

/// How a hookd server behaves. Every field has the documented default; the CLI fills it from flags and
/// `HOOKD_*` environment variables (``ServeSetting/all``).
public struct HookdServerConfiguration: Sendable {
    /// The address to listen on.
    public var host: String = "127.0.0.1"
    /// The port to listen on; `0` picks a free one.
    public var port: Int = 8080
    /// The largest request body accepted, in bytes (256 KiB).
    public var maximumBodySize: Int = 256 * 1024
    /// Accept `http://` webhook URLs (development only).
    public var allowHTTPTargets: Bool = false
    /// Accept webhook URLs that resolve to loopback or private addresses (development and tests only).
    public var allowPrivateTargets: Bool = false
    /// The proxies whose `X-Forwarded-For` is believed (SPEC §13): behind them, a request's client is the rightmost
    /// forwarded address that is not one of them. None by default: the client is the peer.
    public var trustedProxies: [AddressRange] = []
    /// The bearer token `GET /metrics` requires (`--metrics-token`); without one, `/metrics` answers loopback
    /// clients only. It must carry at least 256 bits (``SecretStrength``).
    public var metricsToken: String?
    /// How long `GET /health` waits for the database's answer before it answers 503: 2 s. A load balancer's check
    /// should not hang with a database that does not answer.
    public var healthTimeout: Duration = .seconds(2)
    /// What one app, or one client, may ask of the server.
    public var limits = Limits()
    /// What the API listener allows a connection.
    public var listener = Listener()
    /// How long finished deliveries and their attempts are kept: 30 days.
    public var retention: Duration = .seconds(30 * 86_400)
    /// How long an `Idempotency-Key` keeps its first answer: 24 hours.
    public var idempotencyWindow: Duration = .seconds(86_400)
    /// How deliveries are sent and retried.
    public var delivery = DeliveryConfiguration()
    /// Where every app's operational events also go (SPEC §14, `--operator-webhook-url`); `nil`: nowhere.
    public var operatorWebhookURL: String?
    /// What this process does: the API, the dispatcher, or both.
    public var role: ServerRole = .all
    /// How long SIGTERM waits for the attempts in flight to end and be recorded before interrupting them (an
    /// interrupted attempt is recorded as one to make again); `nil` is the delivery timeout plus 2 s.
    public var shutdownTimeout: Duration?
    /// How long an access token lives (whole seconds: a token's times are seconds).
    public var tokenLifetime: Duration = .seconds(86_400)
    /// How long after expiry a token may still be refreshed.
    public var refreshGrace: Duration = .seconds(300)
    /// The portal's links and sessions (SPEC §12).
    public var portal = Portal()
    /// The least severe level logged: `info`.
    public var logLevel: Logger.Level = .info
    /// Where OpenTelemetry traces and metrics are exported (`--otel-endpoint`); `nil`, the default: nowhere, and no
    /// tracing work is done.
    public var telemetry: TelemetryConfiguration?

    public init() {}

    /// How the portal's one-time links and cookie sessions are made (docs/PORTAL.md).
    public struct Portal: Sendable {
        /// The address people reach hookd at, on which links are built (`https://hooks.example.com`); `nil`: the
        /// scheme `http` and the `Host` the operator's request came to.
        public var publicURL: String?
        /// How long a link may wait before it is used: 10 minutes.
        public var linkLifetime: Duration = .seconds(600)
        /// How long a session lasts once a link opened it: 1 hour.
        public var sessionLifetime: Duration = .seconds(3600)

        public init() {}
    }

    /// Per-app and per-client limits, held in the store so that they hold across every node. Each is a rate per
    /// minute (a burst of that many, then one every `60 s / limit`), except the manual retries of one delivery, the
    /// endpoints of an app and the deliveries one recovery queues.
    public struct Limits: Sendable {
        /// `POST /webhooks/secret/regenerate` per app: 10.
        public var regenerationsPerMinute: Int = 10
        /// `POST /webhooks/test` per app: 10.
        public var testDeliveriesPerMinute: Int = 10
        /// `POST /webhooks/deliveries/{id}/retry` per app: 60.
        public var retriesPerMinute: Int = 60
        /// `PUT /webhooks` per app (each one resolves the URL's host): 30.
        public var webhookUpdatesPerMinute: Int = 30
        /// Failed `POST /auth/token` attempts per app id from one client address: 10. Only failures count, and
        /// failures from elsewhere never hold back a client that knows its key.
        public var loginFailuresPerApp: Int = 10
        /// Failed `POST /auth/token` attempts per client address: 30. Only failures count.
        public var loginFailuresPerAddress: Int = 30
        /// Manual retries of one delivery, in all: 10.
        public var manualRetriesPerDelivery: Int = 10
        /// v3.20 endpoints one app may have (not counting its v3 URL): 20. One more is `409 ENDPOINT_LIMIT_REACHED`.
        public var endpointsPerApp: Int = 20
        /// `GET` requests per app, every read route of v3 and v3.20 together (the portal's too): 600.
        public var readsPerMinute: Int = 600
        /// Failed deliveries one `POST /webhooks/{webhookId}/recover` queues again, at most: 10,000. The answer says
        /// when more remain (`hasMore`); each recovered delivery counts as one of its manual retries.
        public var recoveriesPerCall: Int = 10_000

        public init() {}
    }

    /// The API listener's limits on connections, against clients that hold connections open or send slowly.
    public struct Listener: Sendable {
        /// Connections open at once at most: 4,096. One more is answered `503 SERVICE_UNAVAILABLE` and closed.
        public var maximumConnections: Int = 4096
        /// Connections open at once from one client address: 256. One more is answered `429 RATE_LIMIT_EXCEEDED` and
        /// closed. The peers named by `--trusted-proxies` are not held to it (every client behind them shares it).
        public var maximumConnectionsPerAddress: Int = 256
        /// How long a connection may wait for its next request to arrive whole, head and headers: 30 s. This is
        /// the keep-alive idle time and the bound on a request's head sent slowly.
        public var idleTimeout: Duration = .seconds(30)
        /// How long a request's body may take to arrive once its head has: 30 s.
        public var requestTimeout: Duration = .seconds(30)

        public init() {}
    }
}

/// What one hookd process does, so that API nodes and delivery workers can be scaled apart.
public enum ServerRole: String, Sendable, CaseIterable {
    /// The API and the dispatcher.
    case all
    /// The API only: publishes are stored and wait for a worker.
    case api
    /// The dispatcher only, with `/health` and `/metrics` for the operator.
    case worker

    /// Whether this role serves the public API.
    public var servesAPI: Bool { self != .worker }
    /// Whether this role runs the dispatcher.
    public var dispatches: Bool { self != .api }
}
