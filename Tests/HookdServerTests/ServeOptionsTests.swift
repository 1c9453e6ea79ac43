import HookdCore
import HookdDelivery
import HookdVerify
import Testing

@testable import HookdServer

/// How `hookd serve`'s options and their `HOOKD_*` twins become a configuration.
@Suite struct ServeOptionsTests {
    @Test func defaultsAreTheDocumentedOnes() throws {
        let configuration = try ServeOptions().configuration(environment: [:])
        #expect(configuration.delivery.maximumInFlight == 64)
        #expect(configuration.delivery.maximumInFlightPerApp == 8)
        #expect(configuration.delivery.timeout == .seconds(10))
        #expect(configuration.limits.webhookUpdatesPerMinute == 30)
        #expect(configuration.limits.retriesPerMinute == 60)
        #expect(configuration.limits.loginFailuresPerApp == 10)
        #expect(configuration.limits.loginFailuresPerAddress == 30)
        #expect(configuration.limits.manualRetriesPerDelivery == 10)
        #expect(configuration.retention == .seconds(30 * 86_400))
        #expect(configuration.delivery.endpointDisableAfter == .seconds(5 * 86_400))
        #expect(configuration.listener.maximumConnections == 4096)
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
        options.maxConnections = 50
        let configuration = try options.configuration(environment: [
            "HOOKD_MAX_CONNECTIONS": "10", "HOOKD_RETENTION_DAYS": "7", "HOOKD_IDLE_TIMEOUT": "2.5",
            "HOOKD_LOGIN_FAILURES_PER_ADDRESS": "99", "HOOKD_MAX_IN_FLIGHT_PER_APP": "3", "HOOKD_ROLE": "worker",
            "HOOKD_ALLOW_PRIVATE_TARGETS": "yes", "HOOKD_SIGNATURE_SCHEMES": "v3", "HOOKD_MAX_BODY_SIZE": "4096",
            "HOOKD_ENDPOINT_DISABLE_DAYS": "2", "HOOKD_PUBLIC_URL": "https://hooks.example.com/",
            "HOOKD_PORTAL_LINK_LIFETIME": "10", "HOOKD_PORTAL_SESSION_LIFETIME": "86400",
        ])
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
}
