import ArgumentParser
import HookdServer

/// Every option of `hookd serve` but the data directory and database (``DataDirectoryOptions``, which other commands
/// share), each with its `HOOKD_*` twin named in its help; ``options`` hands them to ``ServeOptions``, which reads
/// the twins and checks every range.
struct ServeFlags: ParsableArguments {
    @Option(help: "The address to listen on (HOOKD_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "The port to listen on; 0 picks a free one (HOOKD_PORT; default 8080).")
    var port: Int?

    @Flag(help: "Accept http:// webhook URLs; for development only (HOOKD_ALLOW_HTTP_TARGETS).")
    var allowHTTPTargets = false

    @Flag(
        help:
            "Accept webhook URLs on loopback and private addresses; for development and tests only (HOOKD_ALLOW_PRIVATE_TARGETS)."
    )
    var allowPrivateTargets = false

    @Option(
        help:
            "Seconds before each retry to an app's v3 URL, comma-separated (HOOKD_RETRY_SCHEDULE; default 60,300,1800)."
    )
    var retrySchedule: String?

    @Option(
        help:
            "Seconds before each retry to a v3.20 endpoint, comma-separated; the first attempt is at once (HOOKD_ENDPOINT_RETRY_SCHEDULE; default 300,1800,7200,21600)."
    )
    var endpointRetrySchedule: String?

    @Option(
        help:
            "Seconds one delivery attempt may take, all of it: resolving, connecting, sending, the answer (HOOKD_DELIVERY_TIMEOUT; default 10)."
    )
    var deliveryTimeout: Double?

    @Option(
        help:
            "Seconds resolving a webhook host may take, within the delivery timeout and in PUT /webhooks and endpoint changes; past it the attempt fails and is retried (HOOKD_DNS_TIMEOUT; default 5)."
    )
    var dnsTimeout: Double?

    @Option(
        help:
            "Seconds a webhook host's answer is kept at most, whatever its TTL; failures and unknown names too; 0 keeps nothing (HOOKD_DNS_CACHE_TTL; default 30)."
    )
    var dnsCacheTTL: Double?

    @Option(help: "Delivery requests open at once (HOOKD_MAX_IN_FLIGHT; default 64).")
    var maxInFlight: Int?

    @Option(
        help:
            "Deliveries under way at once for one app, all its endpoints together, across every worker: what one tenant's backlog or slow receivers can hold (HOOKD_MAX_IN_FLIGHT_PER_APP; default half of --max-in-flight, 32)."
    )
    var maxInFlightPerApp: Int?

    @Option(
        help:
            "Deliveries under way at once for one endpoint (an app's v3 URL is one), across every worker: what one slow receiver can hold of its app's share (HOOKD_MAX_IN_FLIGHT_PER_ENDPOINT; default --max-in-flight-per-app)."
    )
    var maxInFlightPerEndpoint: Int?

    @Option(
        help:
            "v3.20 endpoints one app may have; one more is answered 409 ENDPOINT_LIMIT_REACHED (HOOKD_MAX_ENDPOINTS_PER_APP; default 20)."
    )
    var maxEndpointsPerApp: Int?

    @Option(
        help:
            "Signature schemes to send: v3, x-fyatu-signature, standard-webhooks (HOOKD_SIGNATURE_SCHEMES; default all)."
    )
    var signatureSchemes: String?

    @Option(
        help:
            "Seconds a worker holds a claimed delivery beyond twice the timeout; after a crash the work waits this long (HOOKD_LEASE_DURATION; default 60)."
    )
    var leaseDuration: Double?

    @Option(
        help:
            "Seconds SIGTERM waits for attempts in flight and their records before interrupting them (HOOKD_SHUTDOWN_TIMEOUT; default: the delivery timeout plus 2)."
    )
    var shutdownTimeout: Double?

    @Option(help: "Secret regenerations per app per minute (HOOKD_REGENERATIONS_PER_MINUTE; default 10).")
    var regenerationsPerMinute: Int?

    @Option(help: "Test deliveries per app per minute (HOOKD_TEST_DELIVERIES_PER_MINUTE; default 10).")
    var testDeliveriesPerMinute: Int?

    @Option(help: "Manual delivery retries per app per minute (HOOKD_RETRIES_PER_MINUTE; default 60).")
    var retriesPerMinute: Int?

    @Option(help: "PUT /webhooks per app per minute (HOOKD_WEBHOOK_UPDATES_PER_MINUTE; default 30).")
    var webhookUpdatesPerMinute: Int?

    @Option(
        help: "Failed token requests per app id from one address per minute (HOOKD_LOGIN_FAILURES_PER_APP; default 10)."
    )
    var loginFailuresPerApp: Int?

    @Option(
        help: "Failed token requests per client address per minute (HOOKD_LOGIN_FAILURES_PER_ADDRESS; default 30)."
    )
    var loginFailuresPerAddress: Int?

    @Option(help: "Manual retries of one delivery, in all (HOOKD_MANUAL_RETRIES_PER_DELIVERY; default 10).")
    var manualRetriesPerDelivery: Int?

    @Option(
        help:
            "GET requests per app per minute, every read route together; one more is answered 429 (HOOKD_READS_PER_MINUTE; default 600)."
    )
    var readsPerMinute: Int?

    @Option(
        help:
            "Failed deliveries one recover call queues again; the answer says whether more remain (HOOKD_RECOVER_LIMIT; default 10000)."
    )
    var recoverLimit: Int?

    @Option(help: "Days finished deliveries and their attempts are kept (HOOKD_RETENTION_DAYS; default 30).")
    var retentionDays: Int?

    @Option(
        help:
            "Days a v3.20 endpoint may fail every attempt before it is disabled (HOOKD_ENDPOINT_DISABLE_DAYS; default 5)."
    )
    var endpointDisableDays: Int?

    @Option(
        help: "API connections open at once; one more is answered 503 and closed (HOOKD_MAX_CONNECTIONS; default 4096)."
    )
    var maxConnections: Int?

    @Option(
        help: """
            API connections open at once from one client address; one more is answered 429 and closed. Trusted \
            proxies are exempt (HOOKD_MAX_CONNECTIONS_PER_ADDRESS; default 256).
            """
    )
    var maxConnectionsPerAddress: Int?

    @Option(
        help: """
            A bearer token GET /metrics requires; without one, /metrics answers loopback clients only \
            (HOOKD_METRICS_TOKEN, the better place for it; default none).
            """
    )
    var metricsToken: String?

    @Option(help: "Bytes a request body may have; a larger one is answered 413 (HOOKD_MAX_BODY_SIZE; default 262144).")
    var maxBodySize: Int?

    @Option(
        help:
            "Seconds a connection may wait for its next request's head: keep-alive idle and slow headers (HOOKD_IDLE_TIMEOUT; default 30)."
    )
    var idleTimeout: Double?

    @Option(help: "Seconds a request's body may take once its head arrived (HOOKD_REQUEST_TIMEOUT; default 30).")
    var requestTimeout: Double?

    @Option(
        help:
            "The URL people reach hookd at, on which portal links are built (HOOKD_PUBLIC_URL; default http:// and the Host the request came to)."
    )
    var publicURL: String?

    @Option(help: "Seconds a portal link may wait before it is used (HOOKD_PORTAL_LINK_LIFETIME; default 600).")
    var portalLinkLifetime: Double?

    @Option(help: "Seconds a portal session lasts once opened (HOOKD_PORTAL_SESSION_LIFETIME; default 3600).")
    var portalSessionLifetime: Double?

    @Option(
        help:
            "Proxies (addresses or CIDR blocks, comma-separated) whose X-Forwarded-For names the client, as behind a load balancer (HOOKD_TRUSTED_PROXIES; default none)."
    )
    var trustedProxies: String?

    @Option(help: "all, api or worker: what this process does (HOOKD_ROLE; default all).")
    var role: String?

    @Option(help: "The log level: trace, debug, info, notice, warning, error (HOOKD_LOG_LEVEL; default info).")
    var logLevel: String?

    /// The options as given, for ``ServeOptions/configuration(environment:)`` to read.
    var options: ServeOptions {
        var options = ServeOptions()
        options.host = host
        options.port = port
        options.allowHTTPTargets = allowHTTPTargets
        options.allowPrivateTargets = allowPrivateTargets
        options.role = role
        options.retrySchedule = retrySchedule
        options.endpointRetrySchedule = endpointRetrySchedule
        options.deliveryTimeout = deliveryTimeout
        options.maxInFlight = maxInFlight
        options.maxInFlightPerApp = maxInFlightPerApp
        options.maxInFlightPerEndpoint = maxInFlightPerEndpoint
        options.maxEndpointsPerApp = maxEndpointsPerApp
        options.dnsTimeout = dnsTimeout
        options.dnsCacheTTL = dnsCacheTTL
        options.trustedProxies = trustedProxies
        options.endpointDisableDays = endpointDisableDays
        options.signatureSchemes = signatureSchemes
        options.leaseDuration = leaseDuration
        options.shutdownTimeout = shutdownTimeout
        options.regenerationsPerMinute = regenerationsPerMinute
        options.testDeliveriesPerMinute = testDeliveriesPerMinute
        options.retriesPerMinute = retriesPerMinute
        options.webhookUpdatesPerMinute = webhookUpdatesPerMinute
        options.loginFailuresPerApp = loginFailuresPerApp
        options.loginFailuresPerAddress = loginFailuresPerAddress
        options.manualRetriesPerDelivery = manualRetriesPerDelivery
        options.readsPerMinute = readsPerMinute
        options.recoverLimit = recoverLimit
        options.retentionDays = retentionDays
        options.maxConnections = maxConnections
        options.maxConnectionsPerAddress = maxConnectionsPerAddress
        options.metricsToken = metricsToken
        options.idleTimeout = idleTimeout
        options.requestTimeout = requestTimeout
        options.maxBodySize = maxBodySize
        options.publicURL = publicURL
        options.portalLinkLifetime = portalLinkLifetime
        options.portalSessionLifetime = portalSessionLifetime
        return options
    }
}
