import Foundation
import HookdCore
import HookdDelivery
import HookdServerTestSupport
import HookdStore
import HookdVerify
import Testing

@testable import HookdServer

/// How `hookd serve`'s options and their `HOOKD_*` twins become a configuration.
@Suite struct ServeOptionsTests {
    @Test func defaultsAreTheDocumentedOnes() throws {
        let configuration = try ServeOptions().configuration(environment: [:])
        #expect(configuration.delivery.maximumInFlight == 64)
        #expect(configuration.delivery.maximumInFlightPerApp == 32, "half of --max-in-flight")
        #expect(configuration.delivery.maximumInFlightPerEndpoint == 32, "the app's cap")
        #expect(configuration.limits.endpointsPerApp == 20)
        #expect(configuration.delivery.timeout == .seconds(10))
        #expect(configuration.delivery.resolutionTimeout == .seconds(5))
        #expect(configuration.delivery.resolutionCacheTTL == .seconds(30))
        #expect(configuration.limits.webhookUpdatesPerMinute == 30)
        #expect(configuration.limits.retriesPerMinute == 60)
        #expect(configuration.limits.loginFailuresPerApp == 10)
        #expect(configuration.limits.loginFailuresPerAddress == 30)
        #expect(configuration.limits.manualRetriesPerDelivery == 10)
        #expect(configuration.limits.readsPerMinute == 600)
        #expect(configuration.limits.recoveriesPerCall == 10_000)
        #expect(configuration.retention == .seconds(30 * 86_400))
        #expect(configuration.delivery.endpointDisableAfter == .seconds(5 * 86_400))
        #expect(configuration.delivery.retrySchedule == [.seconds(60), .seconds(300), .seconds(1800)])
        #expect(
            configuration.delivery.endpointRetrySchedule
                == [.seconds(300), .seconds(1800), .seconds(7200), .seconds(21_600)]
        )
        #expect(configuration.delivery.attemptsAllowed == AttemptsAllowed(v3URL: 4, endpoint: 5))
        #expect(configuration.listener.maximumConnections == 4096)
        #expect(configuration.listener.maximumConnectionsPerAddress == 256)
        #expect(configuration.metricsToken == nil, "loopback clients only")
        #expect(configuration.listener.idleTimeout == .seconds(30))
        #expect(configuration.listener.requestTimeout == .seconds(30))
        #expect(configuration.maximumBodySize == 256 * 1024)
        #expect(configuration.shutdownTimeout == nil)
        #expect(configuration.portal.publicURL == nil)
        #expect(configuration.portal.linkLifetime == .seconds(600))
        #expect(configuration.portal.sessionLifetime == .seconds(3600))
    }

    @Test func environmentTwinsApplyAndAFlagWins() throws {
        var options = ServeOptions()
        options[.maxConnections] = "50"
        let configuration = try options.configuration(environment: [
            "HOOKD_MAX_CONNECTIONS": "10", "HOOKD_RETENTION_DAYS": "7", "HOOKD_IDLE_TIMEOUT": "2.5",
            "HOOKD_LOGIN_FAILURES_PER_ADDRESS": "99", "HOOKD_MAX_IN_FLIGHT_PER_APP": "3", "HOOKD_ROLE": "worker",
            "HOOKD_ALLOW_PRIVATE_TARGETS": "yes", "HOOKD_SIGNATURE_SCHEMES": "v3", "HOOKD_MAX_BODY_SIZE": "4096",
            "HOOKD_ENDPOINT_DISABLE_DAYS": "2", "HOOKD_PUBLIC_URL": "https://hooks.example.com/",
            "HOOKD_PORTAL_LINK_LIFETIME": "10", "HOOKD_PORTAL_SESSION_LIFETIME": "86400",
            "HOOKD_MAX_ENDPOINTS_PER_APP": "5", "HOOKD_DNS_TIMEOUT": "1.5", "HOOKD_DNS_CACHE_TTL": "0",
            "HOOKD_READS_PER_MINUTE": "42", "HOOKD_RECOVER_LIMIT": "250",
        ])
        #expect(configuration.limits.readsPerMinute == 42)
        #expect(configuration.limits.recoveriesPerCall == 250)
        #expect(configuration.delivery.resolutionCacheTTL == .zero, "0 keeps nothing")
        #expect(configuration.limits.endpointsPerApp == 5)
        #expect(configuration.delivery.resolutionTimeout == .milliseconds(1500))
        #expect(configuration.delivery.maximumInFlightPerEndpoint == 3, "the app's cap, when not given")
        #expect(configuration.portal.publicURL == "https://hooks.example.com")
        #expect(configuration.portal.linkLifetime == .seconds(10))
        #expect(configuration.portal.sessionLifetime == .seconds(86_400))
        #expect(configuration.delivery.endpointDisableAfter == .seconds(2 * 86_400))
        #expect(configuration.maximumBodySize == 4096)
        #expect(configuration.listener.maximumConnections == 50, "the flag wins")
        #expect(configuration.retention == .seconds(7 * 86_400))
        #expect(configuration.listener.idleTimeout == .milliseconds(2500))
        #expect(configuration.limits.loginFailuresPerAddress == 99)
        #expect(configuration.delivery.maximumInFlightPerApp == 3)
        #expect(configuration.role == .worker)
        #expect(configuration.allowPrivateTargets)
        #expect(configuration.delivery.signatureSchemes == [.v3])
    }

    /// The caps follow `--max-in-flight` unless given: an app gets half the slots, an endpoint its app's share.
    @Test func theCapsFollowTheSlotsUnlessGiven() throws {
        var options = ServeOptions()
        options[.maxInFlight] = "10"
        var configuration = try options.configuration(environment: [:])
        #expect(configuration.delivery.maximumInFlightPerApp == 5)
        #expect(configuration.delivery.maximumInFlightPerEndpoint == 5)
        #expect(
            configuration.delivery.claimCaps == ClaimCaps(perApp: 15, perEndpoint: 15),
            "what the database lets them claim: their slots and a claim batch (10, the slots) more"
        )
        options[.maxInFlight] = "1"
        configuration = try options.configuration(environment: [:])
        #expect(configuration.delivery.maximumInFlightPerApp == 1, "never below one slot")
        #expect(configuration.delivery.claimCaps == ClaimCaps(perApp: 2, perEndpoint: 2))
        options[.maxInFlightPerEndpoint] = "2"
        options[.maxInFlightPerApp] = "7"
        configuration = try options.configuration(environment: ["HOOKD_MAX_IN_FLIGHT_PER_ENDPOINT": "4"])
        #expect(configuration.delivery.maximumInFlightPerApp == 7, "flags win")
        #expect(configuration.delivery.maximumInFlightPerEndpoint == 2)
        for (twin, value) in [
            ("HOOKD_MAX_IN_FLIGHT_PER_ENDPOINT", "0"), ("HOOKD_MAX_ENDPOINTS_PER_APP", "0"), ("HOOKD_DNS_TIMEOUT", "0"),
            ("HOOKD_DNS_CACHE_TTL", "3601"), ("HOOKD_READS_PER_MINUTE", "0"), ("HOOKD_RECOVER_LIMIT", "0"),
            ("HOOKD_RECOVER_LIMIT", "1000001"),
        ] {
            #expect(throws: ServeOptions.Invalid.self, "\(twin)=\(value)") {
                try ServeOptions().configuration(environment: [twin: value])
            }
        }
    }

    @Test func trustedProxiesAreCIDRBlocksOrAddresses() throws {
        var options = ServeOptions()
        options[.trustedProxies] = "10.0.0.0/8, 192.0.2.7 ,2001:db8::/32"
        let configuration = try options.configuration(environment: [:])
        #expect(configuration.trustedProxies.map(\.description) == ["10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"])
        #expect(try ServeOptions().configuration(environment: [:]).trustedProxies.isEmpty, "none by default")
        let twin = try ServeOptions().configuration(environment: ["HOOKD_TRUSTED_PROXIES": "172.16.0.0/12"])
        #expect(twin.trustedProxies.map(\.description) == ["172.16.0.0/12"])
        #expect(throws: ServeOptions.Invalid.self) {
            try ServeOptions().configuration(environment: ["HOOKD_TRUSTED_PROXIES": "10.0.0.0/8,lb.example.com"])
        }
    }

    @Test func theConnectionCapPerAddressAndTheMetricsTokenHaveTwins() throws {
        let token = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        let configuration = try ServeOptions().configuration(environment: [
            "HOOKD_MAX_CONNECTIONS_PER_ADDRESS": "8", "HOOKD_METRICS_TOKEN": token,
        ])
        #expect(configuration.listener.maximumConnectionsPerAddress == 8)
        #expect(configuration.metricsToken == token)
        var options = ServeOptions()
        options[.maxConnectionsPerAddress] = "2"
        #expect(
            try options.configuration(environment: ["HOOKD_MAX_CONNECTIONS_PER_ADDRESS": "8"]).listener
                .maximumConnectionsPerAddress == 2
        )
        options[.metricsToken] = "metrics-secret"
        #expect(throws: ServeOptions.Invalid.self, "a guessable token is refused") {
            try options.configuration(environment: [:])
        }
        #expect(throws: ServeOptions.Invalid.self) {
            try ServeOptions().configuration(environment: ["HOOKD_MAX_CONNECTIONS_PER_ADDRESS": "0"])
        }
    }

    /// `--endpoint-retry-schedule` and its twin: positive seconds, as `--retry-schedule`, each for its own endpoints.
    @Test func theEndpointRetryScheduleHasATwinAndTheRetryScheduleRules() throws {
        var configuration = try ServeOptions().configuration(environment: [
            "HOOKD_ENDPOINT_RETRY_SCHEDULE": "0.001, 2", "HOOKD_RETRY_SCHEDULE": "7",
        ])
        #expect(configuration.delivery.endpointRetrySchedule == [.milliseconds(1), .seconds(2)], "the least accepted")
        #expect(configuration.delivery.retrySchedule == [.seconds(7)], "each schedule for its own endpoints")
        #expect(configuration.delivery.attemptsAllowed == AttemptsAllowed(v3URL: 2, endpoint: 3))
        var options = ServeOptions()
        options[.endpointRetrySchedule] = "60"
        configuration = try options.configuration(environment: ["HOOKD_ENDPOINT_RETRY_SCHEDULE": "1,2,3"])
        #expect(configuration.delivery.endpointRetrySchedule == [.seconds(60)], "the flag wins")
        // An empty twin is an unset one, as for every option.
        for refused in ["0", "300,0", "300,,1800", "-5", "five", ","] {
            #expect(throws: ServeOptions.Invalid.self, "\(refused)") {
                try ServeOptions().configuration(environment: ["HOOKD_ENDPOINT_RETRY_SCHEDULE": refused])
            }
        }
    }

    @Test func theWarningComesBeforeTheDisableAndTheOperatorsURLIsChecked() throws {
        let defaults = try ServeOptions().configuration(environment: [:])
        #expect(defaults.delivery.endpointWarnAfter == .seconds(86_400))
        #expect(defaults.operatorWebhookURL == nil)
        let set = try ServeOptions().configuration(environment: [
            "HOOKD_ENDPOINT_WARN_AFTER": "60", "HOOKD_OPERATOR_WEBHOOK_URL": "https://alerts.example.com/hookd",
        ])
        #expect(set.delivery.endpointWarnAfter == .seconds(60))
        #expect(set.operatorWebhookURL == "https://alerts.example.com/hookd")
        // At the limits: a minute at least; and never at or past the disable period (one day here).
        #expect(throws: ServeOptions.Invalid.self) {
            try ServeOptions().configuration(environment: ["HOOKD_ENDPOINT_WARN_AFTER": "59"])
        }
        let oneDay = ["HOOKD_ENDPOINT_DISABLE_DAYS": "1"]
        #expect(
            try ServeOptions().configuration(environment: oneDay.merging(["HOOKD_ENDPOINT_WARN_AFTER": "86399"]) { $1 })
                .delivery.endpointWarnAfter == .seconds(86_399)
        )
        do {
            _ = try ServeOptions().configuration(environment: oneDay)
            Issue.record("a warning a day after, with a disable a day after, is refused")
        } catch {
            #expect(error.description.contains("--endpoint-warn-after"), "\(error.description)")
        }
        for refused in [
            "alerts.example.com", "ftp://alerts.example.com/", "https://user:pw@alerts.example.com/", "https://",
        ] {
            #expect(throws: ServeOptions.Invalid.self, "\(refused)") {
                try ServeOptions().configuration(environment: ["HOOKD_OPERATOR_WEBHOOK_URL": refused])
            }
        }
    }

    /// README's configuration table lists every setting of `hookd serve` with its twin, as the table declares them.
    @Test func theReadmeListsEverySettingWithItsTwin() throws {
        let readme = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        for setting in ServeSetting.all {
            #expect(text.contains("| `--\(setting.flag)` | `\(setting.twin)` |"), "\(setting.flag)")
        }
    }
}
