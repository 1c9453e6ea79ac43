import Foundation
import HTTPTypes
import HookdCore
import HookdDelivery
import HookdServerTestSupport
import HookdStore
import Synchronization
import Testing

@testable import HookdServer

/// A name server that never answers (SPEC §13): resolving is part of the attempt and bounded by it, never holds a
/// shared thread, and one tenant's silent names delay no one else. Over real sockets, with hookd's own resolver
/// asking a silent name server on 127.0.0.1.
@Suite struct SilentNameServerTests {
    /// Answers from a table while apps are configured, then asks hookd's own resolver: so URLs can be set, and
    /// their names then go silent for the deliveries.
    final class ConfiguredThenDNS: HostResolver {
        private let table: [String: [IPAddress]]
        private let dns: DNSStubResolver
        private let asksDNS = Mutex(false)

        init(_ table: [String: [IPAddress]], then dns: DNSStubResolver) {
            self.table = table
            self.dns = dns
        }

        func switchToDNS() { asksDNS.withLock { $0 = true } }

        func addresses(of host: String) async throws -> [IPAddress] {
            if !asksDNS.withLock({ $0 }), let addresses = table[host] { return addresses }
            return try await dns.addresses(of: host)
        }
    }

    @Test(arguments: Backend.all) func twentyAppsWithSilentNamesDoNotHoldUpAQuietApp(backend: Backend) async throws {
        try await SilentNameServer.with { nameServer in
            // Long enough that everything before the quiet app's last receipt happens inside it, even on a loaded
            // machine: the assertion is about order (the quiet app done while every silent lookup still waits). 20 s
            // was outrun once by a whole run of the suite on two cores (the quiet app took longer than that).
            let resolutionTimeout = Duration.seconds(45)
            let names = (0..<20).map { "silent-\($0).example.com" }
            let resolver = ConfiguredThenDNS(
                Dictionary(uniqueKeysWithValues: names.map { ($0, [IPAddress.v4([127, 0, 0, 1])]) }),
                then: DNSStubResolver(
                    configuration: .init(
                        resolverConfiguration: ResolverConfiguration(
                            nameServers: [.init(address: .v4([127, 0, 0, 1]), port: nameServer.port)]
                        ),
                        timeout: resolutionTimeout
                    )
                )
            )
            var configured = try await TestHarness.forDeliveries(on: backend) { configuration in
                configuration.delivery.resolutionTimeout = resolutionTimeout
                configuration.delivery.timeout = .seconds(50)
            }
            configured.resolver = resolver
            try await configured.use { harness in
                let quiet = TestReceiver()
                try await quiet.withRunning { listening in
                    try await harness.withLiveServer { client in
                        var subscribed: [AppID] = []
                        for name in names {
                            let subscriber = try await harness.subscribe(
                                client: client,
                                url: "http://\(name):9/hook"
                            )
                            subscribed.append(subscriber.app.id)
                        }
                        let silentApps = subscribed
                        let other = try await harness.subscribe(client: client, url: listening.url)
                        resolver.switchToDNS()
                        for appID in silentApps {
                            for index in 0..<3 {
                                let published = try await harness.publish(
                                    "card.created",
                                    data: #"{"n":\#(index)}"#,
                                    appID: appID,
                                    client: client
                                )
                                #expect(published.status == .accepted)
                            }
                        }
                        #expect(
                            try await harness.eventually { nameServer.queries >= 2 * names.count },
                            "every silent name was asked about"
                        )
                        try await harness.publishNumbered(20, appID: other.app.id, client: client)
                        #expect(try await quiet.waitFor(count: 20), "the quiet app's events all arrived")
                        let attemptsWhenQuietDone = try await Self.attempts(harness, apps: silentApps)
                        #expect(
                            attemptsWhenQuietDone.isEmpty,
                            "all arrived while every silent lookup was still waiting: nothing waited for them"
                        )

                        // Then each silent attempt fails at the resolution timeout, once, and frees its slot.
                        #expect(
                            try await harness.eventually(seconds: 120) {
                                try await Self.attempts(harness, apps: silentApps).count == 3 * names.count
                            }
                        )
                        let attempts = try await Self.attempts(harness, apps: silentApps)
                        #expect(
                            Set(attempts.map(\.deliveryID)).count == 3 * names.count,
                            "one attempt each: none sent twice"
                        )
                        for attempt in attempts {
                            let error = attempt.error ?? ""
                            #expect(error.hasPrefix("name resolution failed: host could not be resolved"), "\(error)")
                            #expect(error.hasSuffix("within 45 s"), "\(error)")
                        }
                    }
                }
            }
        }
    }

    /// Every attempt recorded for `apps`' deliveries.
    static func attempts(
        _ harness: TestHarness,
        apps: [AppID]
    ) async throws -> [(deliveryID: DeliveryID, error: String?)] {
        var found: [(deliveryID: DeliveryID, error: String?)] = []
        for appID in apps {
            let deliveries = try await harness.store.deliveries(
                appID: appID,
                endpointID: nil,
                status: nil,
                event: nil,
                eventID: nil,
                limit: 100,
                offset: 0
            ).items
            for delivery in deliveries where delivery.attempts > 0 {
                let detail = try #require(try await harness.store.delivery(appID: appID, id: delivery.id))
                found += detail.attempts.map { (delivery.id, $0.error) }
            }
        }
        return found
    }
}
