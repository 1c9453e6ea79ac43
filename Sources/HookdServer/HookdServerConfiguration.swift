import HookdDelivery

/// How a hookd server behaves. Every field has the documented default; the CLI fills it from flags and
/// `HOOKD_*` environment variables.
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
    /// Secret regenerations allowed per app per minute.
    public var regenerationsPerMinute: Int = 10
    /// Test deliveries allowed per app per minute.
    public var testDeliveriesPerMinute: Int = 10
    /// How deliveries are sent and retried.
    public var delivery = DeliveryConfiguration()
    /// What this process does: the API, the dispatcher, or both.
    public var role: ServerRole = .all
    /// How long SIGTERM waits for the attempts in flight to end and be recorded before interrupting them (an
    /// interrupted attempt is recorded as one to make again); `nil` is the delivery timeout plus 10 s.
    public var shutdownTimeout: Duration?
    /// Seconds an access token lives.
    public var tokenLifetime: Int64 = 86_400
    /// Seconds after expiry during which a token may still be refreshed.
    public var refreshGrace: Int64 = 300

    public init() {}
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
