import Foundation
import HookdCore
import HookdServerTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// `--role`: API nodes and delivery workers apart.
@Suite struct ServerRoleTests {
    @Test func aWorkerServesOnlyHealthAndMetrics() async throws {
        let configure: (inout HookdServerConfiguration) -> Void = { $0.role = .worker }
        try await TestHarness.with(configure: configure) { harness in
            try await harness.withLiveServer { client in
                let health = try await client.json("/health", method: .get)
                #expect(health.status == .ok)
                let metrics = try await client.execute(uri: "/metrics", method: .get)
                #expect(metrics.status == .ok)
                for (path, method) in [
                    ("/api/v3/auth/token", HTTPRequest.Method.post), ("/api/v3/webhooks", .get),
                    ("/api/v3/internal/events", .post),
                ] {
                    let response = try await client.json(path, method: method)
                    #expect(response.errorCode == "RESOURCE_NOT_FOUND")
                }
            }
        }
    }

    @Test func anAPINodeStoresPublishesForAWorkerAndSendsNothingItself() async throws {
        let receiver = TestReceiver()
        try await receiver.withRunning { running in
            let configure: (inout HookdServerConfiguration) -> Void = { $0.role = .api }
            try await TestHarness.withDeliveries(configure: configure) { harness in
                try await harness.withLiveServer { client in
                    let subscriber = try await harness.subscribe(client: client, url: running.url)
                    let published = try await harness.publish(
                        "card.created",
                        data: "{}",
                        appID: subscriber.app.id,
                        client: client
                    )
                    #expect(published.status == .accepted)
                    try await Task.sleep(for: .milliseconds(300))
                    #expect(receiver.received.isEmpty)
                }
                var worker = harness
                worker.configuration.role = .worker
                let delivered = try await worker.withLiveServer { _ in try await receiver.waitFor(count: 1) }
                #expect(delivered, "a worker on the same store delivers what the API node stored")
            }
        }
    }
}
