import Foundation
import HookdCore
import HookdServerTestSupport
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
        let receiver = TestReceiver()
        try await TestHarness.withSubscriber(on: backend, to: receiver) { harness, client, subscriber in
            try await harness.publishNumbered(3, appID: subscriber.app.id, client: client)
            #expect(try await receiver.waitFor(count: 3))
            #expect(
                try await harness.eventually {
                    try await harness.storedDeliveries(of: subscriber.app.id, status: .succeeded).total == 3
                }
            )
            // One more, held: the URL is disabled, so it stays pending.
            try await client.configure(nil, token: subscriber.token)
            _ = try await harness.publish("card.created", data: #"{"n":9}"#, appID: subscriber.app.id, client: client)

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
            let left = try await harness.storedDeliveries(of: subscriber.app.id)
            #expect(left.items.map(\.status) == [.pending], "the held delivery stays, whatever its age")
        }
    }
}
