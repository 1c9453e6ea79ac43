import Foundation
import HookdCore
import HookdDelivery
import HookdVerify

/// The options of `hookd serve` as the operator gave them (`nil`: not given), read into a configuration with their
/// `HOOKD_*` environment twins and the documented defaults. A flag given on the command line wins over its twin.
///
/// Every range is checked here, so a command line only parses text and hands it over.
public struct ServeOptions: Sendable {
    public var host: String?
    public var port: Int?
    public var allowHTTPTargets = false
    public var allowPrivateTargets = false
    public var role: String?
    public var retrySchedule: String?
    public var endpointRetrySchedule: String?
    public var deliveryTimeout: Double?
    public var maxInFlight: Int?
    public var maxInFlightPerApp: Int?
    public var maxInFlightPerEndpoint: Int?
    public var maxEndpointsPerApp: Int?
    public var dnsTimeout: Double?
    public var dnsCacheTTL: Double?
    public var trustedProxies: String?
    public var signatureSchemes: String?
    public var leaseDuration: Double?
    public var shutdownTimeout: Double?
    public var regenerationsPerMinute: Int?
    public var testDeliveriesPerMinute: Int?
    public var retriesPerMinute: Int?
    public var webhookUpdatesPerMinute: Int?
    public var loginFailuresPerApp: Int?
    public var loginFailuresPerAddress: Int?
    public var manualRetriesPerDelivery: Int?
    public var readsPerMinute: Int?
    public var recoverLimit: Int?
    public var retentionDays: Int?
    public var endpointDisableDays: Int?
    public var maxConnections: Int?
    public var maxConnectionsPerAddress: Int?
    public var metricsToken: String?
    public var idleTimeout: Double?
    public var requestTimeout: Double?
    public var maxBodySize: Int?
    public var publicURL: String?
    public var portalLinkLifetime: Double?
    public var portalSessionLifetime: Double?

    public init() {}

    /// Why an option could not be used; the message names the option and what it takes.
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// The configuration these options describe.
    ///
    /// - Parameter environment: The process environment, for the `HOOKD_*` twins of options not given.
    /// - Throws: ``Invalid`` for a value out of its range or not of its type.
    public func configuration(environment: [String: String]) throws(Invalid) -> HookdServerConfiguration {
        let read = EnvironmentTwins(environment)
        var configuration = HookdServerConfiguration()
        configuration.host = host ?? read.string("HOOKD_HOST") ?? configuration.host
        configuration.port = try read.int(port, "port", 0...65535) ?? configuration.port
        configuration.allowHTTPTargets = allowHTTPTargets || read.bool("HOOKD_ALLOW_HTTP_TARGETS")
        configuration.allowPrivateTargets = allowPrivateTargets || read.bool("HOOKD_ALLOW_PRIVATE_TARGETS")
        let roleName = role ?? read.string("HOOKD_ROLE") ?? "all"
        guard let serverRole = ServerRole(rawValue: roleName) else {
            throw Invalid(description: "--role must be all, api or worker")
        }
        configuration.role = serverRole
        if let text = trustedProxies ?? read.string("HOOKD_TRUSTED_PROXIES") {
            let ranges = text.split(separator: ",").map { AddressRange($0.trimmingCharacters(in: .whitespaces)) }
            guard ranges.allSatisfy({ $0 != nil }) else {
                throw Invalid(
                    description: "--trusted-proxies must list addresses or CIDR blocks, e.g. 10.0.0.0/8,192.0.2.7"
                )
            }
            configuration.trustedProxies = ranges.compactMap { $0 }
        }

        if let token = metricsToken ?? read.string("HOOKD_METRICS_TOKEN") {
            guard SecretStrength.isStrong(token) else {
                throw Invalid(
                    description:
                        "--metrics-token must carry at least 256 bits, such as 64 hex digits: openssl rand -hex 32"
                )
            }
            configuration.metricsToken = token
        }

        configuration.delivery = try deliveryConfiguration(read)
        if let seconds = try read.double(shutdownTimeout, "shutdown-timeout", 0.001...3600) {
            configuration.shutdownTimeout = .seconds(seconds)
        }

        var limits = configuration.limits
        limits.regenerationsPerMinute =
            try read.int(regenerationsPerMinute, "regenerations-per-minute", 1...1_000_000_000)
            ?? limits.regenerationsPerMinute
        limits.testDeliveriesPerMinute =
            try read.int(testDeliveriesPerMinute, "test-deliveries-per-minute", 1...1_000_000_000)
            ?? limits.testDeliveriesPerMinute
        limits.retriesPerMinute =
            try read.int(retriesPerMinute, "retries-per-minute", 1...1_000_000_000) ?? limits.retriesPerMinute
        limits.webhookUpdatesPerMinute =
            try read.int(webhookUpdatesPerMinute, "webhook-updates-per-minute", 1...1_000_000_000)
            ?? limits.webhookUpdatesPerMinute
        limits.loginFailuresPerApp =
            try read.int(loginFailuresPerApp, "login-failures-per-app", 1...1_000_000_000) ?? limits.loginFailuresPerApp
        limits.loginFailuresPerAddress =
            try read.int(loginFailuresPerAddress, "login-failures-per-address", 1...1_000_000_000)
            ?? limits.loginFailuresPerAddress
        limits.manualRetriesPerDelivery =
            try read.int(manualRetriesPerDelivery, "manual-retries-per-delivery", 0...10_000)
            ?? limits.manualRetriesPerDelivery
        limits.endpointsPerApp =
            try read.int(maxEndpointsPerApp, "max-endpoints-per-app", 1...10_000) ?? limits.endpointsPerApp
        limits.readsPerMinute =
            try read.int(readsPerMinute, "reads-per-minute", 1...1_000_000_000) ?? limits.readsPerMinute
        limits.recoveriesPerCall =
            try read.int(recoverLimit, "recover-limit", 1...1_000_000) ?? limits.recoveriesPerCall
        configuration.limits = limits

        if let days = try read.int(retentionDays, "retention-days", 1...3650) {
            configuration.retention = .seconds(days * 86_400)
        }
        if let days = try read.int(endpointDisableDays, "endpoint-disable-days", 1...365) {
            configuration.delivery.endpointDisableAfter = .seconds(days * 86_400)
        }

        var listener = configuration.listener
        listener.maximumConnections =
            try read.int(maxConnections, "max-connections", 1...1_000_000) ?? listener.maximumConnections
        listener.maximumConnectionsPerAddress =
            try read.int(maxConnectionsPerAddress, "max-connections-per-address", 1...1_000_000)
            ?? listener.maximumConnectionsPerAddress
        if let seconds = try read.double(idleTimeout, "idle-timeout", 0.001...3600) {
            listener.idleTimeout = .seconds(seconds)
        }
        if let seconds = try read.double(requestTimeout, "request-timeout", 0.001...3600) {
            listener.requestTimeout = .seconds(seconds)
        }
        configuration.listener = listener
        configuration.maximumBodySize =
            try read.int(maxBodySize, "max-body-size", 1024...64 * 1024 * 1024) ?? configuration.maximumBodySize
        configuration.portal = try portalConfiguration(read)
        return configuration
    }

    private func portalConfiguration(_ read: EnvironmentTwins) throws(Invalid) -> HookdServerConfiguration.Portal {
        var portal = HookdServerConfiguration.Portal()
        if let text = publicURL ?? read.string("HOOKD_PUBLIC_URL") {
            guard let base = PortalPublicURL(text) else {
                throw Invalid(
                    description:
                        "--public-url must be an http:// or https:// URL with a host, like https://hooks.example.com"
                )
            }
            portal.publicURL = base.text
        }
        if let seconds = try read.double(portalLinkLifetime, "portal-link-lifetime", 10...86_400) {
            portal.linkLifetime = .seconds(seconds)
        }
        if let seconds = try read.double(portalSessionLifetime, "portal-session-lifetime", 60...86_400) {
            portal.sessionLifetime = .seconds(seconds)
        }
        return portal
    }

    /// A retry schedule: one or more positive numbers of seconds, comma-separated.
    private static func schedule(_ text: String, _ option: String, example: String) throws(Invalid) -> [Duration] {
        let steps = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !steps.isEmpty, steps.allSatisfy({ ($0 ?? -1) > 0 }) else {
            throw Invalid(description: "--\(option) must list positive seconds, e.g. \(example)")
        }
        return steps.map { .seconds($0!) }
    }

    private func deliveryConfiguration(_ read: EnvironmentTwins) throws(Invalid) -> DeliveryConfiguration {
        var delivery = DeliveryConfiguration()
        if let text = retrySchedule ?? read.string("HOOKD_RETRY_SCHEDULE") {
            delivery.retrySchedule = try Self.schedule(text, "retry-schedule", example: "60,300,1800")
        }
        if let text = endpointRetrySchedule ?? read.string("HOOKD_ENDPOINT_RETRY_SCHEDULE") {
            delivery.endpointRetrySchedule = try Self.schedule(
                text,
                "endpoint-retry-schedule",
                example: "300,1800,7200,21600"
            )
        }
        if let seconds = try read.double(deliveryTimeout, "delivery-timeout", 0.001...300) {
            delivery.timeout = .seconds(seconds)
        }
        if let seconds = try read.double(dnsTimeout, "dns-timeout", 0.001...300) {
            delivery.resolutionTimeout = .seconds(seconds)
        }
        if let seconds = try read.double(dnsCacheTTL, "dns-cache-ttl", 0...3600) {
            delivery.resolutionCacheTTL = .seconds(seconds)
        }
        if let limit = try read.int(maxInFlight, "max-in-flight", 1...10_000) {
            delivery.maximumInFlight = limit
            delivery.claimBatchSize = min(delivery.claimBatchSize, limit)
        }
        // Half the slots by default, so one busy app always leaves room for a newly busy one (SPEC §13); an
        // endpoint may use its app's whole share unless told otherwise.
        delivery.maximumInFlightPerApp =
            try read.int(maxInFlightPerApp, "max-in-flight-per-app", 1...10_000)
            ?? max(1, delivery.maximumInFlight / 2)
        delivery.maximumInFlightPerEndpoint =
            try read.int(maxInFlightPerEndpoint, "max-in-flight-per-endpoint", 1...10_000)
            ?? delivery.maximumInFlightPerApp
        if let text = signatureSchemes ?? read.string("HOOKD_SIGNATURE_SCHEMES") {
            let parsed = text.split(separator: ",").map {
                SignatureScheme(rawValue: $0.trimmingCharacters(in: .whitespaces))
            }
            guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else {
                throw Invalid(
                    description: "--signature-schemes must list v3, x-fyatu-signature and/or standard-webhooks"
                )
            }
            delivery.signatureSchemes = Set(parsed.compactMap { $0 })
        }
        if let seconds = try read.double(leaseDuration, "lease-duration", 1...3600) {
            delivery.leaseDuration = .seconds(seconds)
        }
        delivery.userAgent = "hookd/\(HookdVersion.current)"
        return delivery
    }
}

/// Reads an option given as a flag or, failing that, as its `HOOKD_*` environment twin, and checks its range.
private struct EnvironmentTwins {
    let environment: [String: String]

    init(_ environment: [String: String]) {
        self.environment = environment
    }

    func string(_ name: String) -> String? {
        environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `1`, `true` and `yes` (any case) are true.
    func bool(_ name: String) -> Bool {
        guard let text = string(name)?.lowercased() else { return false }
        return ["1", "true", "yes"].contains(text)
    }

    /// `flag`, or the twin of option `--option` (`HOOKD_OPTION`), which must lie in `range`.
    func int(_ flag: Int?, _ option: String, _ range: ClosedRange<Int>) throws(ServeOptions.Invalid) -> Int? {
        let twin = Self.twin(of: option)
        var value = flag
        if value == nil, let text = string(twin) {
            guard let parsed = Int(text) else {
                throw ServeOptions.Invalid(description: "\(twin) must be a whole number, not \(text)")
            }
            value = parsed
        }
        guard let value else { return nil }
        guard range.contains(value) else {
            throw ServeOptions.Invalid(
                description: "--\(option) must be from \(range.lowerBound) to \(range.upperBound)"
            )
        }
        return value
    }

    /// `flag`, or the twin of option `--option` (`HOOKD_OPTION`), in seconds, which must lie in `range`.
    func double(_ flag: Double?, _ option: String, _ range: ClosedRange<Double>) throws(ServeOptions.Invalid) -> Double?
    {
        let twin = Self.twin(of: option)
        var value = flag
        if value == nil, let text = string(twin) {
            guard let parsed = Double(text) else {
                throw ServeOptions.Invalid(description: "\(twin) must be a number, not \(text)")
            }
            value = parsed
        }
        guard let value else { return nil }
        guard range.contains(value) else {
            let bounds =
                range.lowerBound > 0 && range.lowerBound < 1
                ? "more than 0 and at most \(Int(range.upperBound))"
                : "from \(Int(range.lowerBound)) to \(Int(range.upperBound))"
            throw ServeOptions.Invalid(description: "--\(option) must be \(bounds) seconds")
        }
        return value
    }

    /// `HOOKD_DELIVERY_TIMEOUT` for `delivery-timeout`.
    static func twin(of option: String) -> String {
        "HOOKD_" + option.uppercased().replacingOccurrences(of: "-", with: "_")
    }
}
