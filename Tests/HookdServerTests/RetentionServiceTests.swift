import Foundation
import HookdCore
import HookdStore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// The retention job: finished deliveries leave the log once older than the retention period; pending ones stay.
@Suite struct RetentionServiceTests {
    @Test(arguments: Backend.all) func finishedDeliveriesLeaveTheLogAfterTheRetentionPeriod(
        backend: Backend
    ) async throws {
        let harness = try await TestHarness.forDeliveries(on: backend)
        defer { harness.removeFiles() }
        let receiver = TestReceiver()
        let running = try await receiver.start()
        defer { Task { await running.stop() } }
        try await harness.withLiveServer { client in
            let subscriber = try await DeliveryEndToEndTests.subscribe(harness, client: client, url: running.url)
            for index in 0..<3 {
                _ = try await client.publish(
                    appID: subscriber.app.id,
                    event: "card.created",
                    data: #"{"n":\#(index)}"#,
                    operatorKey: harness.operatorKey
                )
            }
            #expect(try await receiver.waitFor(count: 3))
            #expect(
                try await harness.eventually {
                    try await harness.store.deliveries(
                        appID: subscriber.app.id,
                        status: .succeeded,
                        event: nil,
                        limit: 10,
                        offset: 0
                    ).total == 3
                }
            )
            // One more, held: the URL is disabled, so it stays pending.
            try await client.configure(nil, token: subscriber.token)
            _ = try await client.publish(
                appID: subscriber.app.id,
                event: "card.created",
                data: #"{"n":9}"#,
                operatorKey: harness.operatorKey
            )

            let retention = RetentionService(
                store: harness.store,
                clock: harness.clock,
                retention: .seconds(30 * 86_400),
                idempotencyWindow: .seconds(86_400),
                logger: harness.logs.logger(),
                batchSize: 2
            )
            #expect(await retention.sweep() == 0, "nothing is old yet")
            harness.clock.advance(by: 30 * 86_400 + 1)
            #expect(await retention.sweep() == 3, "in batches of two")
            let left = try await harness.store.deliveries(
                appID: subscriber.app.id,
                status: nil,
                event: nil,
                limit: 10,
                offset: 0
            )
            #expect(left.items.map(\.status) == [.pending], "the held delivery stays, whatever its age")
        }
    }
}
