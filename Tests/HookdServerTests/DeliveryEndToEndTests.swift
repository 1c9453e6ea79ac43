import Foundation
import HookdCore
import HookdDelivery
import HookdServerTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// Deliveries over real sockets to a receiver on 127.0.0.1, checked against the contract's formulas.
@Suite struct DeliveryEndToEndTests {
    @Test(arguments: Backend.all) func aPublishedEventArrivesSignedUnderAllThreeSchemes(backend: Backend) async throws {
        let receiver = TestReceiver()
        try await TestHarness.withSubscriber(on: backend, to: receiver) { harness, client, subscriber in
            let published = try await client.publish(
                appID: subscriber.app.id,
                event: "card.funded",
                data:
                    #"{ "cardId" : "crd_1", "amount" : 25.50, "note" : "caf\u00e9 \/ ✓", "nested" : { "data" : [1, 2] } }"#,
                operatorKey: harness.operatorKey
            )
            #expect(published.status == .accepted, "\(published.raw)")
            #expect(published.message == "Event accepted for delivery")
            let eventID = try #require(published.data["eventId"] as? String)
            #expect(
                eventID.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/) != nil
            )

            #expect(try await receiver.waitFor(count: 1))
            let request = try #require(receiver.received.first)
            let compact = Array(#"{"cardId":"crd_1","amount":25.50,"note":"café / ✓","nested":{"data":[1,2]}}"#.utf8)
            let problems = SpecSignatures.problems(
                in: request,
                secret: subscriber.secret,
                event: "card.funded",
                eventID: eventID,
                data: compact
            )
            #expect(problems.isEmpty, "\(problems)")
            #expect(request.header("X-Fyatu-Timestamp") == String(harness.clock.unixSeconds.rawValue))

            #expect(
                try await client.eventually(get: "/api/v3/webhooks/deliveries", token: subscriber.token) { log in
                    (log.object["data"] as? [[String: Any]])?.first?["status"] as? String == "SUCCEEDED"
                }
            )
            let log = try await client.json("/api/v3/webhooks/deliveries", method: .get, token: subscriber.token)
            let entry = try #require((log.object["data"] as? [[String: Any]])?.first)
            #expect(entry["eventId"] as? String == eventID)
            #expect(entry["attempts"] as? Int == 1)
            #expect(entry["lastHttpStatus"] as? Int == 200)
            #expect(entry["nextAttemptAt"] is NSNull)

            // A successful attempt's headers are not kept (only a failed one's: see the retry test).
            let deliveryID = try #require(entry["deliveryId"] as? String)
            let detail = try await client.json(
                "/api/v3/webhooks/deliveries/\(deliveryID)",
                method: .get,
                token: subscriber.token
            )
            let attempt = try #require((detail.data["attemptHistory"] as? [[String: Any]])?.first)
            #expect((attempt["requestHeaders"] as? [String: String])?.isEmpty == true)
        }
    }

    @Test(arguments: Backend.all) func republishingTheSameEventIdDeliversOnce(backend: Backend) async throws {
        let receiver = TestReceiver()
        try await TestHarness.withSubscriber(on: backend, to: receiver) { harness, client, subscriber in
            let eventID = "6F1C2B3A-4D5E-4F60-8A7B-9C0D1E2F3A4B"
            for data in [#"{"n":1}"#, #"{"n":2}"#, #"{"n":1}"#] {
                let response = try await harness.publish(
                    "card.created",
                    data: data,
                    eventID: eventID,
                    appID: subscriber.app.id,
                    client: client
                )
                #expect(response.status == .accepted)
                #expect(response.data["eventId"] as? String == eventID.lowercased())
            }
            #expect(try await receiver.waitFor(count: 1))
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.received.count == 1)
            #expect(
                String(decoding: receiver.received[0].body, as: UTF8.self).hasSuffix(#""data":{"n":1}}"#),
                "the first one stands"
            )
        }
    }
}
