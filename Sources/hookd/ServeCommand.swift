import ArgumentParser
import Foundation
import HookdCore
import HookdServer
import Hummingbird
import Logging

/// `hookd serve`: runs the API until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the hookd API server."
    )

    @Option(help: "The address to listen on (HOOKD_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "The port to listen on; 0 picks a free one (HOOKD_PORT; default 8080).")
    var port: Int?

    @OptionGroup var storage: DataDirectoryOptions

    @Flag(help: "Accept http:// webhook URLs; for development only (HOOKD_ALLOW_HTTP_TARGETS).")
    var allowHTTPTargets = false

    @Flag(
        help:
            "Accept webhook URLs on loopback and private addresses; for development and tests only (HOOKD_ALLOW_PRIVATE_TARGETS)."
    )
    var allowPrivateTargets = false

    @Option(help: "Secret regenerations allowed per app per minute (HOOKD_REGENERATIONS_PER_MINUTE; default 10).")
    var regenerationsPerMinute: Int?

    @Option(help: "Seconds before each retry, comma-separated (HOOKD_RETRY_SCHEDULE; default 60,300,1800).")
    var retrySchedule: String?

    @Option(help: "Seconds one delivery attempt may take (HOOKD_DELIVERY_TIMEOUT; default 10).")
    var deliveryTimeout: Double?

    @Option(help: "Delivery requests open at once (HOOKD_MAX_IN_FLIGHT; default 64).")
    var maxInFlight: Int?

    @Option(
        help:
            "Delivery requests open at once for one app, across every worker: what one slow receiver can hold (HOOKD_MAX_IN_FLIGHT_PER_APP; default 8)."
    )
    var maxInFlightPerApp: Int?

    @Option(
        help:
            "Seconds SIGTERM waits for attempts in flight and their records before interrupting them (HOOKD_SHUTDOWN_TIMEOUT; default: the delivery timeout plus 10)."
    )
    var shutdownTimeout: Double?

    @Option(
        help:
            "Signature schemes to send: v3, x-fyatu-signature, standard-webhooks (HOOKD_SIGNATURE_SCHEMES; default all)."
    )
    var signatureSchemes: String?

    @Option(
        help:
            "Seconds a worker holds a claimed delivery beyond the timeout; after a crash the work waits this long (HOOKD_LEASE_DURATION; default 60)."
    )
    var leaseDuration: Double?

    @Option(help: "all, api or worker: what this process does (HOOKD_ROLE; default all).")
    var role: String?

    @Option(help: "The log level: trace, debug, info, notice, warning, error (HOOKD_LOG_LEVEL; default info).")
    var logLevel: String?

    func run() async throws {
        var configuration = HookdServerConfiguration()
        configuration.host = host ?? Environment.string("HOOKD_HOST") ?? configuration.host
        configuration.port = try port ?? Environment.int("HOOKD_PORT") ?? configuration.port
        configuration.allowHTTPTargets = allowHTTPTargets || Environment.bool("HOOKD_ALLOW_HTTP_TARGETS")
        configuration.allowPrivateTargets = allowPrivateTargets || Environment.bool("HOOKD_ALLOW_PRIVATE_TARGETS")
        configuration.regenerationsPerMinute =
            try regenerationsPerMinute ?? Environment.int("HOOKD_REGENERATIONS_PER_MINUTE")
            ?? configuration.regenerationsPerMinute
        guard configuration.regenerationsPerMinute > 0 else {
            throw CommandFailure("--regenerations-per-minute must be positive")
        }
        configuration.delivery = try DeliverySettings.resolve(
            retrySchedule: retrySchedule,
            timeout: deliveryTimeout,
            maxInFlight: maxInFlight,
            maxInFlightPerApp: maxInFlightPerApp,
            schemes: signatureSchemes,
            leaseDuration: leaseDuration
        )
        if let seconds = try shutdownTimeout ?? Environment.double("HOOKD_SHUTDOWN_TIMEOUT") {
            guard seconds > 0, seconds <= 3600 else {
                throw CommandFailure("--shutdown-timeout must be more than 0 and at most 3600 seconds")
            }
            configuration.shutdownTimeout = .seconds(seconds)
        }
        configuration.delivery.userAgent = "hookd/\(HookdVersion.current)"
        let roleName = role ?? Environment.string("HOOKD_ROLE") ?? "all"
        guard let serverRole = ServerRole(rawValue: roleName) else {
            throw CommandFailure("--role must be all, api or worker")
        }
        configuration.role = serverRole
        let levelName = logLevel ?? Environment.string("HOOKD_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else {
            throw CommandFailure("unknown log level \(levelName)")
        }

        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "hookd")

        let dataDirectory = storage.resolved
        try? dataDirectory.create()
        // SQLite: one server per data directory, so this process is the only dispatcher and leases left by a crash
        // can go at once. PostgreSQL: any number of servers share the queue, and leases expire instead.
        var lock: ProcessLock?
        if storage.databaseURL == nil {
            do {
                lock = try ProcessLock(path: dataDirectory.lockPath, purpose: "hookd serve")
            } catch let error as RuntimeError {
                throw CommandFailure(error.description)
            }
        }
        defer { lock?.release() }
        let runtime = try await storage.open(create: true)
        configuration.delivery.releaseLeasesOnStart = !runtime.store.isSharedAcrossProcesses
        if runtime.hasInterruptedRotation {
            logger.warning(
                "an interrupted master key rotation was found; run hookd rotate-master-key again to finish it"
            )
        }
        let firstApp = try await createFirstAppIfNeeded(runtime)

        let services = HookdServices(
            store: runtime.store,
            sealer: runtime.sealer,
            logger: logger,
            operatorKey: Environment.string("HOOKD_OPERATOR_KEY")
        )
        let app = try await buildApplication(configuration: configuration, services: services) { host, port in
            emit("listening on http://\(host):\(port)")
            if let firstApp {
                emit(FirstStartBanner(app: firstApp.0, secretKey: firstApp.1, base: "http://\(host):\(port)").text)
            }
        }
        try await runUntilStopped(app, configuration: configuration, logger: logger)
        await runtime.close()
    }

    private func createFirstAppIfNeeded(_ runtime: HookdRuntime) async throws -> (App, AppSecretKey)? {
        guard try await runtime.store.apps().isEmpty else { return nil }
        return try await AppAdministration(store: runtime.store).create(name: "first app", type: .issuing)
    }
}

/// What `hookd serve` prints once on a fresh data directory: the first app's credentials and a session to try.
struct FirstStartBanner {
    let app: App
    let secretKey: AppSecretKey
    let base: String

    var text: String {
        """

        hookd created a first app. Its secret key is shown only this once: store it now.
          appId:     \(app.id)
          secretKey: \(secretKey.value)
          type:      \(app.type.rawValue)

        Try the API (set a URL your platform can reach; the secret is printed once):
          TOKEN=$(curl -s \(base)/api/v3/auth/token -H 'Content-Type: application/json' \\
            -d '{"appId":"\(app.id)","secretKey":"\(secretKey.value)","grantType":"client_credentials"}' \\
            | sed -E 's/.*"accessToken":"([^"]+)".*/\\1/')
          curl -s -X PUT \(base)/api/v3/webhooks -H "Authorization: Bearer $TOKEN" \\
            -H 'Content-Type: application/json' -d '{"webhookUrl":"https://example.com/webhooks"}'
          curl -s -X POST \(base)/api/v3/webhooks/secret/regenerate -H "Authorization: Bearer $TOKEN"

        """
    }
}
