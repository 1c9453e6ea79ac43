import Foundation
import HookdCore
import HookdDelivery
import HookdVerify
import Logging

extension ServeSetting {
    /// Every setting of `hookd serve` but the data directory and database (which other commands share), in the order
    /// `hookd serve --help` lists them and ``ServeOptions`` reads them (a default that follows another setting comes
    /// after it).
    public static let all: [ServeSetting] = [
        host, port, allowHTTPTargets, allowPrivateTargets, retrySchedule, endpointRetrySchedule, deliveryTimeout,
        dnsTimeout, dnsCacheTTL, maxInFlight, maxInFlightPerApp, maxInFlightPerEndpoint, maxEndpointsPerApp,
        signatureSchemes, leaseDuration, shutdownTimeout, regenerationsPerMinute, testDeliveriesPerMinute,
        retriesPerMinute, webhookUpdatesPerMinute, loginFailuresPerApp, loginFailuresPerAddress,
        manualRetriesPerDelivery, readsPerMinute, recoverLimit, retentionDays, endpointDisableDays, endpointWarnAfter,
        operatorWebhookURL, maxConnections,
        maxConnectionsPerAddress, metricsToken, healthTimeout, maxBodySize, idleTimeout, requestTimeout, publicURL,
        portalLinkLifetime, portalSessionLifetime, trustedProxies, role, logLevel, otelEndpoint,
    ]

    // MARK: The listener and what this process does

    public static let host = text("host", "The address to listen on", default: shown { $0.host }) {
        configuration,
        host throws(Invalid) in configuration.host = host
    }

    public static let port = whole(
        "port",
        in: 0...65535,
        "The port to listen on; 0 picks a free one",
        default: shown { "\($0.port)" }
    ) { configuration, port throws(Invalid) in configuration.port = port }

    public static let role = text(
        "role",
        "all, api or worker: what this process does",
        default: shown { $0.role.rawValue }
    ) {
        configuration,
        name throws(Invalid) in
        guard let role = ServerRole(rawValue: name) else {
            throw Invalid(description: "--role must be all, api or worker")
        }
        configuration.role = role
    }

    public static let logLevel = text(
        "log-level",
        "The log level: trace, debug, info, notice, warning, error",
        default: shown { $0.logLevel.rawValue }
    ) { configuration, name throws(Invalid) in
        guard let level = Logger.Level(rawValue: name) else {
            throw Invalid(description: "unknown log level \(name)")
        }
        configuration.logLevel = level
    }

    public static let trustedProxies = text(
        "trusted-proxies",
        "Proxies (addresses or CIDR blocks, comma-separated) whose X-Forwarded-For names the client, as behind a "
            + "load balancer",
        default: said("default none")
    ) { configuration, text throws(Invalid) in
        let ranges = text.split(separator: ",").map { AddressRange($0.trimmingCharacters(in: .whitespaces)) }
        guard ranges.allSatisfy({ $0 != nil }) else {
            throw Invalid(
                description: "--trusted-proxies must list addresses or CIDR blocks, e.g. 10.0.0.0/8,192.0.2.7"
            )
        }
        configuration.trustedProxies = ranges.compactMap { $0 }
    }

    public static let metricsToken = text(
        "metrics-token",
        "A bearer token GET /metrics requires; without one, /metrics answers loopback clients only",
        twinNote: ", the better place for it",
        default: said("default none")
    ) { configuration, token throws(Invalid) in
        guard SecretStrength.isStrong(token) else {
            throw Invalid(
                description: "--metrics-token must carry at least 256 bits, such as 64 hex digits: openssl rand -hex 32"
            )
        }
        configuration.metricsToken = token
    }

    public static let maxConnections = whole(
        "max-connections",
        in: 1...1_000_000,
        "API connections open at once; one more is answered 503 and closed",
        default: shown { "\($0.listener.maximumConnections)" }
    ) { configuration, limit throws(Invalid) in configuration.listener.maximumConnections = limit }

    public static let maxConnectionsPerAddress = whole(
        "max-connections-per-address",
        in: 1...1_000_000,
        "API connections open at once from one client address; one more is answered 429 and closed. Trusted proxies "
            + "are exempt",
        default: shown { "\($0.listener.maximumConnectionsPerAddress)" }
    ) { configuration, limit throws(Invalid) in configuration.listener.maximumConnectionsPerAddress = limit }

    public static let maxBodySize = whole(
        "max-body-size",
        in: 1024...64 * 1024 * 1024,
        "Bytes a request body may have; a larger one is answered 413",
        default: shown { "\($0.maximumBodySize)" }
    ) { configuration, size throws(Invalid) in configuration.maximumBodySize = size }

    public static let healthTimeout = seconds(
        "health-timeout",
        in: 0.001...60,
        "Seconds GET /health waits for the database before it answers 503",
        default: shown { secondsText($0.healthTimeout) }
    ) { configuration, timeout throws(Invalid) in configuration.healthTimeout = timeout }

    public static let idleTimeout = seconds(
        "idle-timeout",
        in: 0.001...3600,
        "Seconds a connection may wait for its next request's head: keep-alive idle and slow headers",
        default: shown { secondsText($0.listener.idleTimeout) }
    ) { configuration, timeout throws(Invalid) in configuration.listener.idleTimeout = timeout }

    public static let requestTimeout = seconds(
        "request-timeout",
        in: 0.001...3600,
        "Seconds a request's body may take once its head arrived",
        default: shown { secondsText($0.listener.requestTimeout) }
    ) { configuration, timeout throws(Invalid) in configuration.listener.requestTimeout = timeout }

    public static let shutdownTimeout = seconds(
        "shutdown-timeout",
        in: 0.001...3600,
        "Seconds SIGTERM waits for attempts in flight and their records before interrupting them",
        default: said("default: the delivery timeout plus 2")
    ) { configuration, timeout throws(Invalid) in configuration.shutdownTimeout = timeout }

    public static let otelEndpoint = text(
        "otel-endpoint",
        "An OpenTelemetry collector's OTLP/HTTP URL, such as http://otel-collector:4318: hookd exports traces (a "
            + "publish and its attempts) and metrics there, and its log lines carry the trace id",
        default: said("default none: nothing is exported")
    ) { configuration, text throws(Invalid) in
        guard let endpoint = OTLPEndpoint(text) else {
            throw Invalid(
                description:
                    "--otel-endpoint must be an http:// or https:// URL with a host, like http://otel-collector:4318"
            )
        }
        configuration.telemetry = TelemetryConfiguration(endpoint: endpoint)
    }

    // MARK: Webhook targets

    public static let allowHTTPTargets = toggle(
        "allow-http-targets",
        "Accept http:// webhook URLs; for development only"
    ) { configuration, on throws(Invalid) in configuration.allowHTTPTargets = on }

    public static let allowPrivateTargets = toggle(
        "allow-private-targets",
        "Accept webhook URLs on loopback and private addresses; for development and tests only"
    ) { configuration, on throws(Invalid) in configuration.allowPrivateTargets = on }

    // MARK: Delivery

    public static let retrySchedule = text(
        "retry-schedule",
        "Seconds before each retry to an app's v3 URL, comma-separated",
        default: shown { $0.delivery.retrySchedule.map(secondsText).joined(separator: ",") }
    ) { configuration, text throws(Invalid) in
        configuration.delivery.retrySchedule = try schedule(text, "retry-schedule", example: "60,300,1800")
    }

    public static let endpointRetrySchedule = text(
        "endpoint-retry-schedule",
        "Seconds before each retry to a v3.20 endpoint, comma-separated; the first attempt is at once",
        default: shown { $0.delivery.endpointRetrySchedule.map(secondsText).joined(separator: ",") }
    ) { configuration, text throws(Invalid) in
        configuration.delivery.endpointRetrySchedule = try schedule(
            text,
            "endpoint-retry-schedule",
            example: "300,1800,7200,21600"
        )
    }

    public static let deliveryTimeout = seconds(
        "delivery-timeout",
        in: 0.001...300,
        "Seconds one delivery attempt may take, all of it: resolving, connecting, sending, the answer",
        default: shown { secondsText($0.delivery.timeout) }
    ) { configuration, timeout throws(Invalid) in configuration.delivery.timeout = timeout }

    public static let dnsTimeout = seconds(
        "dns-timeout",
        in: 0.001...300,
        "Seconds resolving a webhook host may take, within the delivery timeout and in PUT /webhooks and endpoint "
            + "changes; past it the attempt fails and is retried",
        default: shown { secondsText($0.delivery.resolutionTimeout) }
    ) { configuration, timeout throws(Invalid) in configuration.delivery.resolutionTimeout = timeout }

    public static let dnsCacheTTL = seconds(
        "dns-cache-ttl",
        in: 0...3600,
        "Seconds a webhook host's answer is kept at most, whatever its TTL; failures and unknown names too; 0 keeps "
            + "nothing",
        default: shown { secondsText($0.delivery.resolutionCacheTTL) }
    ) { configuration, ttl throws(Invalid) in configuration.delivery.resolutionCacheTTL = ttl }

    public static let maxInFlight = whole(
        "max-in-flight",
        in: 1...10_000,
        "Delivery requests open at once",
        default: shown { "\($0.delivery.maximumInFlight)" }
    ) { configuration, limit throws(Invalid) in
        configuration.delivery.maximumInFlight = limit
        configuration.delivery.claimBatchSize = min(configuration.delivery.claimBatchSize, limit)
    }

    /// Half the slots by default, so one busy app always leaves room for a newly busy one (SPEC §13).
    public static let maxInFlightPerApp = reading(
        "max-in-flight-per-app",
        "Deliveries under way at once for one app, all its endpoints together, across every worker: what one "
            + "tenant's backlog or slow receivers can hold",
        default: shown { "half of --max-in-flight, \(max(1, $0.delivery.maximumInFlight / 2))" },
        parse: wholeNumber("max-in-flight-per-app", in: 1...10_000)
    ) { (configuration, limit: Int?) throws(Invalid) in
        configuration.delivery.maximumInFlightPerApp = limit ?? max(1, configuration.delivery.maximumInFlight / 2)
    }

    /// An endpoint may use its app's whole share unless told otherwise.
    public static let maxInFlightPerEndpoint = reading(
        "max-in-flight-per-endpoint",
        "Deliveries under way at once for one endpoint (an app's v3 URL is one), across every worker: what one slow "
            + "receiver can hold of its app's share",
        default: said("default --max-in-flight-per-app"),
        parse: wholeNumber("max-in-flight-per-endpoint", in: 1...10_000)
    ) { (configuration, limit: Int?) throws(Invalid) in
        configuration.delivery.maximumInFlightPerEndpoint = limit ?? configuration.delivery.maximumInFlightPerApp
    }

    public static let signatureSchemes = text(
        "signature-schemes",
        "Signature schemes to send: v3, x-fyatu-signature, standard-webhooks",
        default: said("default all")
    ) { configuration, text throws(Invalid) in
        let parsed = text.split(separator: ",").map {
            SignatureScheme(rawValue: $0.trimmingCharacters(in: .whitespaces))
        }
        guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else {
            throw Invalid(description: "--signature-schemes must list v3, x-fyatu-signature and/or standard-webhooks")
        }
        configuration.delivery.signatureSchemes = Set(parsed.compactMap { $0 })
    }

    public static let leaseDuration = seconds(
        "lease-duration",
        in: 1...3600,
        "Seconds a worker holds a claimed delivery beyond twice the timeout; after a crash the work waits this long",
        default: shown { secondsText($0.delivery.leaseDuration) }
    ) { configuration, duration throws(Invalid) in configuration.delivery.leaseDuration = duration }

    public static let endpointDisableDays = whole(
        "endpoint-disable-days",
        in: 1...365,
        "Days a v3.20 endpoint may fail every attempt before it is disabled",
        default: shown { "\($0.delivery.endpointDisableAfter.components.seconds / 86_400)" }
    ) { configuration, days throws(Invalid) in configuration.delivery.endpointDisableAfter = .seconds(days * 86_400) }

    public static let endpointWarnAfter = seconds(
        "endpoint-warn-after",
        in: 60...31_536_000,
        "Seconds a v3.20 endpoint may fail every attempt before its app and the operator are warned "
            + "(webhook.endpoint.failing); shorter than the disable period",
        default: shown { secondsText($0.delivery.endpointWarnAfter) }
    ) { configuration, duration throws(Invalid) in configuration.delivery.endpointWarnAfter = duration }

    public static let operatorWebhookURL = text(
        "operator-webhook-url",
        "Where every app's operational events also go, signed with the operator's secret "
            + "(hookd operator-webhook-secret prints it)",
        default: said("none")
    ) { configuration, text throws(Invalid) in
        guard let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http",
            components.host?.isEmpty == false, components.user == nil, components.password == nil
        else {
            throw Invalid(
                description: "--operator-webhook-url must be an http:// or https:// URL with a host, like "
                    + "https://alerts.example.com/hookd"
            )
        }
        configuration.operatorWebhookURL = text
    }

    public static let retentionDays = whole(
        "retention-days",
        in: 1...3650,
        "Days finished deliveries and their attempts are kept",
        default: shown { "\($0.retention.components.seconds / 86_400)" }
    ) { configuration, days throws(Invalid) in configuration.retention = .seconds(days * 86_400) }

    // MARK: Limits per app and per client

    public static let maxEndpointsPerApp = whole(
        "max-endpoints-per-app",
        in: 1...10_000,
        "v3.20 endpoints one app may have; one more is answered 409 ENDPOINT_LIMIT_REACHED",
        default: shown { "\($0.limits.endpointsPerApp)" }
    ) { configuration, limit throws(Invalid) in configuration.limits.endpointsPerApp = limit }

    public static let regenerationsPerMinute = whole(
        "regenerations-per-minute",
        in: 1...1_000_000_000,
        "Secret regenerations per app per minute",
        default: shown { "\($0.limits.regenerationsPerMinute)" }
    ) { configuration, limit throws(Invalid) in configuration.limits.regenerationsPerMinute = limit }

    public static let testDeliveriesPerMinute = whole(
        "test-deliveries-per-minute",
        in: 1...1_000_000_000,
        "Test deliveries per app per minute",
        default: shown { "\($0.limits.testDeliveriesPerMinute)" }
    ) { configuration, limit throws(Invalid) in configuration.limits.testDeliveriesPerMinute = limit }

    public static let retriesPerMinute = whole(
        "retries-per-minute",
        in: 1...1_000_000_000,
        "Manual delivery retries per app per minute",
        default: shown { "\($0.limits.retriesPerMinute)" }
    ) { configuration, limit throws(Invalid) in configuration.limits.retriesPerMinute = limit }

    public static let webhookUpdatesPerMinute = whole(
        "webhook-updates-per-minute",
        in: 1...1_000_000_000,
        "PUT /webhooks per app per minute",
        default: shown { "\($0.limits.webhookUpdatesPerMinute)" }
    ) { configuration, limit throws(Invalid) in configuration.limits.webhookUpdatesPerMinute = limit }

    public static let loginFailuresPerApp = whole(
        "login-failures-per-app",
        in: 1...1_000_000_000,
        "Failed token requests per app id from one address per minute",
        default: shown { "\($0.limits.loginFailuresPerApp)" }
    ) { configuration, limit throws(Invalid) in configuration.limits.loginFailuresPerApp = limit }

    public static let loginFailuresPerAddress = whole(
        "login-failures-per-address",
        in: 1...1_000_000_000,
        "Failed token requests per client address per minute",
        default: shown { "\($0.limits.loginFailuresPerAddress)" }
    ) { configuration, limit throws(Invalid) in configuration.limits.loginFailuresPerAddress = limit }

    public static let manualRetriesPerDelivery = whole(
        "manual-retries-per-delivery",
        in: 0...10_000,
        "Manual retries of one delivery, in all",
        default: shown { "\($0.limits.manualRetriesPerDelivery)" }
    ) { configuration, limit throws(Invalid) in configuration.limits.manualRetriesPerDelivery = limit }

    public static let readsPerMinute = whole(
        "reads-per-minute",
        in: 1...1_000_000_000,
        "GET requests per app per minute, every read route together; one more is answered 429",
        default: shown { "\($0.limits.readsPerMinute)" }
    ) { configuration, limit throws(Invalid) in configuration.limits.readsPerMinute = limit }

    public static let recoverLimit = whole(
        "recover-limit",
        in: 1...1_000_000,
        "Failed deliveries one recover call queues again; the answer says whether more remain",
        default: shown { "\($0.limits.recoveriesPerCall)" }
    ) { configuration, limit throws(Invalid) in configuration.limits.recoveriesPerCall = limit }

    // MARK: The portal

    public static let publicURL = text(
        "public-url",
        "The URL people reach hookd at, on which portal links are built",
        default: said("default http:// and the Host the request came to")
    ) { configuration, text throws(Invalid) in
        guard let base = PortalPublicURL(text) else {
            throw Invalid(
                description:
                    "--public-url must be an http:// or https:// URL with a host, like https://hooks.example.com"
            )
        }
        configuration.portal.publicURL = base.text
    }

    public static let portalLinkLifetime = seconds(
        "portal-link-lifetime",
        in: 10...86_400,
        "Seconds a portal link may wait before it is used",
        default: shown { secondsText($0.portal.linkLifetime) }
    ) { configuration, lifetime throws(Invalid) in configuration.portal.linkLifetime = lifetime }

    public static let portalSessionLifetime = seconds(
        "portal-session-lifetime",
        in: 60...86_400,
        "Seconds a portal session lasts once opened",
        default: shown { secondsText($0.portal.sessionLifetime) }
    ) { configuration, lifetime throws(Invalid) in configuration.portal.sessionLifetime = lifetime }
}
