public import HookdCore
import HookdDelivery
public import HookdStore
public import Logging

/// What a hookd node is built from besides its configuration: the store, the keys, the clock, the resolver and the
/// logger.
///
/// `hookd serve` opens these from the data directory (``HookdRuntime``); tests build them around a temporary
/// store, a fixed clock and a resolver that never touches the network. Both hand them to
/// ``buildApplication(configuration:dependencies:onServerRunning:)``.
public struct NodeDependencies: Sendable {
    public var store: any Store
    public var sealer: SecretSealer
    public var clock: any WallClock
    /// Resolves webhook hosts; `nil`: hookd's own stub resolver, within the configuration's `--dns-timeout` and
    /// `--dns-cache-ttl`.
    public var resolver: (any HostResolver)?
    public var logger: Logger
    /// The operator key from configuration (`HOOKD_OPERATOR_KEY`); the stored one when `nil`.
    public var operatorKey: String?

    public init(
        store: any Store,
        sealer: SecretSealer,
        clock: any WallClock = SystemWallClock(),
        resolver: (any HostResolver)? = nil,
        logger: Logger = Logger(label: "hookd"),
        operatorKey: String? = nil
    ) {
        self.store = store
        self.sealer = sealer
        self.clock = clock
        self.resolver = resolver
        self.logger = logger
        self.operatorKey = operatorKey
    }

    /// The resolver a node with `delivery` uses: the one given, or hookd's stub resolver (SPEC §13), which resolves
    /// asynchronously within `--dns-timeout`, so no lookup blocks a thread whatever /etc/resolv.conf's retries say.
    func resolver(for delivery: DeliveryConfiguration) -> any HostResolver {
        resolver
            ?? DNSStubResolver(
                configuration: .init(
                    resolverConfiguration: .system(),
                    timeout: min(delivery.resolutionTimeout, delivery.timeout),
                    maximumCacheTTL: delivery.resolutionCacheTTL
                )
            )
    }
}
