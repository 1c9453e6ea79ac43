import ArgumentParser
import HookdServer

/// Every option of `hookd serve` but the data directory and database (``DataDirectoryOptions``, which other commands
/// share). Each is declared in ``ServeSetting/all`` (flag, `HOOKD_*` twin, default, limits, help); here it only gets
/// its type for parsing, and ``options`` hands every one given to ``ServeOptions``, which reads the twins and checks
/// every range.
struct ServeFlags: ParsableArguments {
    @Option(help: .serve(.host)) var host: String?
    @Option(help: .serve(.port)) var port: Int?
    @Flag(help: .serve(.allowHTTPTargets)) var allowHTTPTargets = false
    @Flag(help: .serve(.allowPrivateTargets)) var allowPrivateTargets = false
    @Option(help: .serve(.retrySchedule)) var retrySchedule: String?
    @Option(help: .serve(.endpointRetrySchedule)) var endpointRetrySchedule: String?
    @Option(help: .serve(.deliveryTimeout)) var deliveryTimeout: Double?
    @Option(help: .serve(.dnsTimeout)) var dnsTimeout: Double?
    @Option(help: .serve(.dnsCacheTTL)) var dnsCacheTTL: Double?
    @Option(help: .serve(.maxInFlight)) var maxInFlight: Int?
    @Option(help: .serve(.maxInFlightPerApp)) var maxInFlightPerApp: Int?
    @Option(help: .serve(.maxInFlightPerEndpoint)) var maxInFlightPerEndpoint: Int?
    @Option(help: .serve(.maxEndpointsPerApp)) var maxEndpointsPerApp: Int?
    @Option(help: .serve(.signatureSchemes)) var signatureSchemes: String?
    @Option(help: .serve(.leaseDuration)) var leaseDuration: Double?
    @Option(help: .serve(.shutdownTimeout)) var shutdownTimeout: Double?
    @Option(help: .serve(.regenerationsPerMinute)) var regenerationsPerMinute: Int?
    @Option(help: .serve(.testDeliveriesPerMinute)) var testDeliveriesPerMinute: Int?
    @Option(help: .serve(.retriesPerMinute)) var retriesPerMinute: Int?
    @Option(help: .serve(.webhookUpdatesPerMinute)) var webhookUpdatesPerMinute: Int?
    @Option(help: .serve(.loginFailuresPerApp)) var loginFailuresPerApp: Int?
    @Option(help: .serve(.loginFailuresPerAddress)) var loginFailuresPerAddress: Int?
    @Option(help: .serve(.manualRetriesPerDelivery)) var manualRetriesPerDelivery: Int?
    @Option(help: .serve(.readsPerMinute)) var readsPerMinute: Int?
    @Option(help: .serve(.recoverLimit)) var recoverLimit: Int?
    @Option(help: .serve(.retentionDays)) var retentionDays: Int?
    @Option(help: .serve(.endpointDisableDays)) var endpointDisableDays: Int?
    @Option(help: .serve(.endpointWarnAfter)) var endpointWarnAfter: Double?
    @Option(help: .serve(.operatorWebhookURL)) var operatorWebhookURL: String?
    @Option(help: .serve(.maxConnections)) var maxConnections: Int?
    @Option(help: .serve(.maxConnectionsPerAddress)) var maxConnectionsPerAddress: Int?
    @Option(help: .serve(.metricsToken)) var metricsToken: String?
    @Option(help: .serve(.healthTimeout)) var healthTimeout: Double?
    @Option(help: .serve(.maxBodySize)) var maxBodySize: Int?
    @Option(help: .serve(.idleTimeout)) var idleTimeout: Double?
    @Option(help: .serve(.requestTimeout)) var requestTimeout: Double?
    @Option(help: .serve(.publicURL)) var publicURL: String?
    @Option(help: .serve(.portalLinkLifetime)) var portalLinkLifetime: Double?
    @Option(help: .serve(.portalSessionLifetime)) var portalSessionLifetime: Double?
    @Option(help: .serve(.trustedProxies)) var trustedProxies: String?
    @Option(help: .serve(.role)) var role: String?
    @Option(help: .serve(.logLevel)) var logLevel: String?
    @Option(help: .serve(.otelEndpoint)) var otelEndpoint: String?

    /// The options as given, for ``ServeOptions/configuration(environment:)`` to read.
    var options: ServeOptions {
        var options = ServeOptions()
        var named = 0
        for child in Mirror(reflecting: self).children {
            guard let given = child.value as? any GivenServeFlag, let label = child.label else { continue }
            guard let setting = ServeSetting.named(String(label.dropFirst())) else {
                preconditionFailure("\(label) is not in ServeSetting.all")
            }
            named += 1
            options[setting] = given.text
        }
        precondition(named == ServeSetting.all.count, "every setting of ServeSetting.all has its flag here")
        return options
    }
}

extension ArgumentHelp {
    /// The help text of a setting of `hookd serve`, as its table declares it.
    static func serve(_ setting: ServeSetting) -> ArgumentHelp {
        ArgumentHelp(setting.help)
    }
}

/// A parsed flag of ``ServeFlags``, whatever its type, as text for ``ServeOptions``; `nil`: not given.
private protocol GivenServeFlag {
    var text: String? { get }
}

/// An optional value parsed from the command line, as text.
private protocol OptionalFlagValue {
    var text: String? { get }
}

extension Optional: OptionalFlagValue where Wrapped: LosslessStringConvertible {
    var text: String? { map { String(describing: $0) } }
}

extension Option: GivenServeFlag where Value: OptionalFlagValue {
    var text: String? { wrappedValue.text }
}

extension Flag: GivenServeFlag where Value == Bool {
    var text: String? { wrappedValue ? "true" : nil }
}
