import Foundation
import HookdCore
import HookdDelivery
import HookdServerTestSupport
import HookdStore
import HookdTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// Two hookd nodes in this process, each with its own PostgreSQL pool on one database: what one node changes,
/// the other obeys at once.
@Suite(.enabled(if: PostgresTestDatabase.isConfigured, "needs HOOKD_TEST_POSTGRES_URL"))
struct CrossNodeTests {
    @Test func aRegenerationOnOneNodeSignsTheNextAttemptOnTheOther() async throws {
        let receiver = TestReceiver(script: [.status(500)], fallback: .status(200))
        try await receiver.withRunning { running in
            try await PostgresTestDatabase.withStores(count: 2) { stores, _ in
                let configure: (inout HookdServerConfiguration) -> Void = { $0.role = .api }
                try await TestHarness.withDeliveries(sharing: stores[0], configure: configure) { api in
                    try await api.withWorker(on: stores[1]) {
                        try await api.withLiveServer { client in
                            let subscriber = try await api.subscribe(client: client, url: running.url)
                            let published = try await api.publish(appID: subscriber.app.id, client: client)
                            let eventID = try #require(published.data["eventId"] as? String)
                            #expect(
                                try await receiver.waitFor(count: 1),
                                "the worker node delivers what the API node stored"
                            )
                            #expect(try await api.waitForAttempts(1, client: client, token: subscriber.token))

                            let newSecret = try await client.regeneratedSecret(token: subscriber.token)
                            api.clock.advance(by: 60)
                            #expect(try await receiver.waitFor(count: 2))
                            let data = Array(#"{"n":1}"#.utf8)
                            let second = receiver.received[1]
                            #expect(
                                SpecSignatures.problems(
                                    in: second,
                                    secret: newSecret,
                                    event: "card.funded",
                                    eventID: eventID,
                                    data: data
                                ).isEmpty
                            )
                            #expect(
                                !SpecSignatures.problems(
                                    in: second,
                                    secret: subscriber.secret,
                                    event: "card.funded",
                                    eventID: eventID,
                                    data: data
                                ).isEmpty
                            )
                        }
                    }
                }
            }
        }
    }

    @Test func rateLimitsAndRevocationsHoldAcrossNodes() async throws {
        try await PostgresTestDatabase.withStores(count: 2) { stores, _ in
            let configure: (inout HookdServerConfiguration) -> Void = {
                $0.role = .api
                $0.limits.regenerationsPerMinute = 2
            }
            try await TestHarness.withDeliveries(
                sharing: stores[0],
                configure: configure
            ) { first in
                var secondDependencies = first.dependencies
                secondDependencies.store = stores[1]
                let second = try await buildApplication(
                    configuration: first.configuration,
                    dependencies: secondDependencies
                )
                try await second.test(.router) { secondClient in
                    try await first.withClient { firstClient in
                        let (app, key) = try await first.createApp()
                        let token = try await firstClient.token(for: app, key: key)
                        try await firstClient.configure("https://hooks.example.com/a", token: token)
                        for client in [firstClient, secondClient] {
                            let response = try await client.json(
                                "/api/v3/webhooks/secret/regenerate",
                                method: .post,
                                token: token
                            )
                            #expect(response.status == .ok)
                        }
                        let limited = try await firstClient.json(
                            "/api/v3/webhooks/secret/regenerate",
                            method: .post,
                            token: token
                        )
                        #expect(
                            limited.errorCode == "RATE_LIMIT_EXCEEDED",
                            "two regenerations on two nodes use up the limit of 2"
                        )

                        _ = try await secondClient.json("/api/v3/auth/revoke", method: .post, token: token)
                        let revoked = try await firstClient.json("/api/v3/webhooks", method: .get, token: token)
                        #expect(
                            revoked.errorCode == "AUTH_TOKEN_INVALID",
                            "a token revoked on one node is refused by the other"
                        )
                    }
                }
            }
        }
    }

    /// An app's slots across the fleet stay within its cap (SPEC §13): two workers, each holding its share.
    @Test func twoWorkersHoldAnAppWithStallingEndpointsToItsCapInAll() async throws {
        let stalling = HostileReceiver(.stallAfterHeaders)
        let stalled = try await stalling.start()
        try await PostgresTestDatabase.withStores(count: 3) { stores, _ in
            let configure: (inout HookdServerConfiguration) -> Void = { configuration in
                configuration.role = .api
                configuration.delivery.maximumInFlightPerApp = 6
                configuration.delivery.maximumInFlightPerEndpoint = 6
                configuration.delivery.timeout = .seconds(120)
                configuration.delivery.presenceInterval = .seconds(1)
            }
            try await TestHarness.withDeliveries(
                sharing: stores[0],
                configure: configure
            ) { api in
                try await api.withWorker(on: stores[1]) {
                    try await api.withWorker(on: stores[2]) {
                        try await api.withLiveServer { client in
                            let tenant = try await V3_20Endpoints.tenant(api, client: client)
                            for index in 0..<3 {
                                _ = try await tenant.createEndpoint(
                                    client,
                                    url: "http://127.0.0.1:\(stalled.port)/hook/\(index)",
                                    events: ["CARD_CREATED"]
                                )
                            }
                            // Both workers have heard from each other (every second) before any work is due.
                            #expect(
                                try await api.eventually {
                                    api.logs.text.split(separator: "\n").filter {
                                        $0.contains("sharing the queue changed")
                                            && $0.contains(#""hookd.dispatchers": 2"#)
                                    }.count >= 2
                                },
                                "each worker holds half of the caps"
                            )
                            try await api.publishNumbered(30, appID: tenant.app.id, client: client)
                            #expect(try await stalling.waitUntil { $0.open == 6 }, "\(stalling.connectionCounts)")
                            try await Task.sleep(for: .milliseconds(500))
                            let counts = stalling.connectionCounts
                            #expect(
                                counts.mostOpen == 6,
                                "90 deliveries, two workers: never more than the cap: \(counts)"
                            )
                            await stalled.stop()
                        }
                    }
                }
            }
        }
    }
}
