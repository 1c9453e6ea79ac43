public import HookdCore
public import HookdDelivery
public import HookdStore
public import Logging

/// What a hookd server is built from: the store, the keys, the clock and the resolver.
///
/// The CLI opens these from the data directory (``HookdRuntime``); tests build them around a temporary
/// store, a fixed clock and a resolver that never touches the network.
public struct HookdServices: Sendable {
    public var store: any Store
    public var sealer: SecretSealer
    public var clock: any WallClock
    public var resolver: any HostResolver
    public var logger: Logger
    /// The operator key from configuration (`HOOKD_OPERATOR_KEY`); the stored one when `nil`.
    public var operatorKey: String?

    public init(
        store: any Store,
        sealer: SecretSealer,
        clock: any WallClock = SystemWallClock(),
        resolver: any HostResolver = DNSStubResolver(configuration: .init(resolverConfiguration: .system())),
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
}
