public import Foundation
public import HookdCore
import HookdDelivery
import HookdStore
public import Logging
import ServiceLifecycle
import UnixSignals

/// `hookd serve`: opens the store and runs the server until SIGTERM or SIGINT, then stops it within the configured
/// shutdown timeout. The one place a serving process is put together.
///
/// Everything long-running is a service of one service group: the PostgreSQL pool first (so it stops last, after
/// the attempts in flight are recorded), then the server with its dispatcher, listener and retention job. With
/// SQLite the data directory is locked first, so a second server on it refuses to start.
///
/// On the signal the server stops accepting requests and the dispatcher stops claiming; attempts in flight run to
/// their own deadline (the delivery timeout) and are recorded. Whatever is still running when
/// ``HookdServerConfiguration/shutdownTimeout`` has passed is cancelled: an attempt cut short that way is recorded
/// as interrupted and made again later without counting against the receiver.
///
/// - Parameters:
///   - configuration: How the server behaves (``ServeOptions/configuration(environment:)`` reads it from options).
///   - dataDirectory: The data directory: the SQLite store and the key file.
///   - databaseURL: A `postgres://` URL to use PostgreSQL instead.
///   - environment: The process environment (master keys, `HOOKD_OPERATOR_KEY`).
///   - logger: The server's logger.
///   - onListening: Called once the server accepts connections, with its base URL and, on a fresh store, the first
///     app made for it with its secret key (shown only this once) and a portal link for it.
/// - Throws: ``RuntimeError`` with a message for the operator when the server cannot start.
public func serve(
    configuration: HookdServerConfiguration,
    dataDirectory: DataDirectory,
    databaseURL: String?,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    logger: Logger,
    onListening: @escaping @Sendable (_ baseURL: String, _ firstStart: FirstStart?) async -> Void
) async throws {
    let operatorKey = try HookdRuntime.configuredOperatorKey(environment)
    try? dataDirectory.create()
    // SQLite: one server per data directory, so this process is the only dispatcher and leases left by a crash can
    // go at once. PostgreSQL: any number of servers share the queue, and leases expire instead.
    let lock = databaseURL == nil ? try ProcessLock(path: dataDirectory.lockPath, purpose: "hookd serve") : nil
    defer { lock?.release() }
    let runtime = try await HookdRuntime.prepare(
        dataDirectory: dataDirectory,
        environment: environment,
        create: true,
        databaseURL: databaseURL,
        logger: logger
    )
    var configuration = configuration
    configuration.delivery.releaseLeasesOnStart = !runtime.store.isSharedAcrossProcesses
    let server = NodeService(
        runtime: runtime,
        configuration: configuration,
        operatorKey: operatorKey,
        logger: logger,
        onListening: onListening
    )
    var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
    if let pool = runtime.pool { services.append(.init(service: pool)) }
    services.append(.init(service: server))
    var group = ServiceGroupConfiguration(
        services: services,
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger
    )
    group.maximumGracefulShutdownDuration =
        configuration.shutdownTimeout ?? configuration.delivery.timeout + .seconds(2)
    // After the cancellation, what has not ended within this is left behind and the process exits: with the
    // defaults, hookd is gone within the delivery timeout plus 5 s of SIGTERM.
    group.maximumCancellationDuration = .seconds(3)
    try await ServiceGroup(configuration: group).run()
}

/// The node of `hookd serve` as a service: once the store is up it checks the master key, makes the first app of a
/// fresh store, builds the node (``buildApplication(configuration:dependencies:onServerRunning:)``) and runs it.
struct NodeService: Service, CustomStringConvertible {
    let runtime: HookdRuntime
    let configuration: HookdServerConfiguration
    let operatorKey: String?
    let logger: Logger
    let onListening: @Sendable (_ baseURL: String, _ firstStart: FirstStart?) async -> Void

    /// What ServiceLifecycle logs of the node (at debug level): never its operator key or store.
    var description: String {
        "NodeService(\(configuration.host):\(configuration.port), role \(configuration.role.rawValue))"
    }

    func run() async throws {
        try await runtime.checkMasterKey()
        if runtime.hasInterruptedRotation {
            logger.warning(
                "an interrupted master key rotation was found; run hookd rotate-master-key again to finish it"
            )
        }
        let firstApp: (App, AppSecretKey)? =
            try await runtime.store.apps().isEmpty
            ? try await AppAdministration(store: runtime.store).create(name: "first app", type: .issuing) : nil
        let dependencies = NodeDependencies(
            store: runtime.store,
            sealer: runtime.sealer,
            logger: logger,
            operatorKey: operatorKey
        )
        let application = try await buildApplication(configuration: configuration, dependencies: dependencies) {
            [runtime, configuration, logger] host, port in
            let base = "http://\(host):\(port)"
            var firstStart: FirstStart?
            if let (app, secretKey) = firstApp {
                var link: PortalLink?
                if let publicURL = PortalPublicURL(configuration.portal.publicURL ?? base) {
                    do {
                        link = try await runtime.portalLink(
                            appID: app.id,
                            base: publicURL,
                            lifetime: configuration.portal.linkLifetime
                        )
                    } catch {
                        logger.warning("could not make a portal link for the first app: \(error)")
                    }
                }
                firstStart = FirstStart(app: app, secretKey: secretKey, portalLink: link)
            }
            await onListening(base, firstStart)
        }
        try await application.run()
    }
}

/// What a fresh store starts with: the first app, its secret key (shown only this once) and a portal link for it.
public struct FirstStart: Sendable {
    public let app: App
    public let secretKey: AppSecretKey
    /// A one-time link to the app's portal; `nil` when none could be made.
    public let portalLink: PortalLink?
}
