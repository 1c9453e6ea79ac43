import Foundation
import HookdCore
import HookdDelivery
import HookdServerTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// Retries over real sockets: the schedule, the last attempt, `Retry-After`, and a secret regenerated between attempts.
@Suite struct DeliveryRetryTests {
    @Test(arguments: Backend.all) func aReceiverFailingTwiceGetsThreeAttemptsOnTheSchedule(
        backend: Backend
    ) async throws {
        let receiver = TestReceiver(
            script: [.status(500, body: Array("boom".utf8)), .status(500)],
            fallback: .status(200)
        )
        try await TestHarness.withSubscriber(on: backend, to: receiver) { harness, client, subscriber in
            let start = harness.clock.unixSeconds
            _ = try await harness.publish(
                "card.created",
                data: #"{"cardId":"c"}"#,
                appID: subscriber.app.id,
                client: client
            )
            #expect(try await receiver.waitFor(count: 1))
            try await Task.sleep(for: .milliseconds(200))
            #expect(receiver.received.count == 1, "nothing more happens until the clock reaches the retry")

            let deliveryID = try await client.onlyDeliveryID(token: subscriber.token)
            var detail = try await client.json(
                "/api/v3/webhooks/deliveries/\(deliveryID)",
                method: .get,
                token: subscriber.token
            )
            #expect(detail.data["status"] as? String == "PENDING")
            #expect(detail.data["nextAttemptAt"] as? String == Timestamp.iso8601(start + .seconds(60)))

            harness.clock.advance(by: 59)
            try await Task.sleep(for: .milliseconds(200))
            #expect(receiver.received.count == 1)
            harness.clock.advance(by: 1)
            #expect(try await receiver.waitFor(count: 2))
            #expect(
                try await client.eventually(get: "/api/v3/webhooks/deliveries/\(deliveryID)", token: subscriber.token) {
                    detail in
                    detail.data["attempts"] as? Int == 2
                }
            )
            harness.clock.advance(by: 300)
            #expect(try await receiver.waitFor(count: 3))
            #expect(
                try await client.eventually(get: "/api/v3/webhooks/deliveries/\(deliveryID)", token: subscriber.token) {
                    detail in
                    detail.data["status"] as? String == "SUCCEEDED"
                }
            )
            detail = try await client.json(
                "/api/v3/webhooks/deliveries/\(deliveryID)",
                method: .get,
                token: subscriber.token
            )
            let attempts = try #require(detail.data["attemptHistory"] as? [[String: Any]])
            #expect(attempts.map { $0["httpStatus"] as? Int } == [500, 500, 200])
            #expect(
                attempts.map { $0["attemptedAt"] as? String }
                    == [start, start + .seconds(60), start + .seconds(360)].map { Timestamp.iso8601($0) }
            )
            #expect(attempts.first?["responseBody"] as? String == "boom")
            #expect(detail.data["data"] as? [String: String] == ["cardId": "c"])
            #expect(receiver.received.count == 3)
            let ids = Set(receiver.received.map { $0.header("webhook-id") })
            #expect(ids.count == 1, "every attempt carries the same webhook-id")
            let timestamps = receiver.received.map { $0.header("webhook-timestamp") }
            #expect(
                timestamps == [start, start + .seconds(60), start + .seconds(360)].map { String($0.rawValue) },
                "each attempt is signed at its send time"
            )

            // The log keeps the headers each failed attempt was sent with, as the receiver got them (its framework
            // reads Host into the request's authority) but for the signatures' MACs; the successful one's are not
            // kept.
            let target = try #require(URLComponents(string: subscriber.url))
            for (attempt, request) in zip(attempts.prefix(2), receiver.received) {
                let sent = try #require(attempt["requestHeaders"] as? [String: String])
                #expect(sent["Host"] == "\(target.host ?? ""):\(target.port ?? 0)")
                #expect(sent.count == request.headers.count + 1, "\(sent.keys.sorted()) against \(request.headers)")
                for field in request.headers {
                    let kept = HeaderRedaction.redacted(name: field.name.rawName, value: field.value)
                    #expect(sent[field.name.rawName] == kept, "\(field.name)")
                }
                let timestamp = try #require(request.header("X-Fyatu-Timestamp"))
                #expect(sent["X-Fyatu-Signature"] == "t=\(timestamp),v1=[redacted]")
                #expect(sent["webhook-signature"] == "v1,[redacted]")
            }
            #expect(detail.raw.contains(#""requestHeaders":{"Host":"#), "Host is first, as it was sent")
            #expect((attempts.last?["requestHeaders"] as? [String: String])?.isEmpty == true)
        }
    }

    @Test(arguments: Backend.all) func theLastAttemptFailsTheDeliveryForGood(backend: Backend) async throws {
        let receiver = TestReceiver(fallback: .status(503))
        let configure: (inout HookdServerConfiguration) -> Void = { $0.delivery.retrySchedule = [.seconds(10)] }
        try await TestHarness.withSubscriber(
            on: backend,
            configure: configure,
            to: receiver
        ) { harness, client, subscriber in
            _ = try await harness.publish("card.created", data: "{}", appID: subscriber.app.id, client: client)
            #expect(try await receiver.waitFor(count: 1))
            #expect(try await harness.waitForAttempts(1, client: client, token: subscriber.token))
            harness.clock.advance(by: 10)
            #expect(try await receiver.waitFor(count: 2))
            let deliveryID = try await client.onlyDeliveryID(token: subscriber.token)
            #expect(
                try await client.eventually(get: "/api/v3/webhooks/deliveries/\(deliveryID)", token: subscriber.token) {
                    detail in
                    detail.data["status"] as? String == "FAILED"
                }
            )
            harness.clock.advance(by: 3600)
            try await Task.sleep(for: .milliseconds(200))
            #expect(receiver.received.count == 2)
            let failed = try await client.json(
                "/api/v3/webhooks/deliveries?status=FAILED",
                method: .get,
                token: subscriber.token
            )
            #expect((failed.object["pagination"] as? [String: Any])?["total"] as? Int == 1)

            receiver.answer(with: .status(200))
            let retried = try await client.json(
                "/api/v3/webhooks/deliveries/\(deliveryID)/retry",
                method: .post,
                token: subscriber.token
            )
            #expect(retried.status == .accepted)
            #expect(retried.message == "Delivery queued for retry")
            #expect(try await receiver.waitFor(count: 3))
            #expect(
                try await client.eventually(get: "/api/v3/webhooks/deliveries/\(deliveryID)", token: subscriber.token) {
                    detail in
                    detail.data["status"] as? String == "SUCCEEDED" && detail.data["attempts"] as? Int == 3
                }
            )
        }
    }

    @Test(arguments: Backend.all) func retryAfterFromTheReceiverIsHonoured(backend: Backend) async throws {
        let receiver = TestReceiver(script: [.status(429, headers: [("Retry-After", "7")])])
        try await TestHarness.withSubscriber(on: backend, to: receiver) { harness, client, subscriber in
            let start = harness.clock.unixSeconds
            _ = try await harness.publish("card.created", data: "{}", appID: subscriber.app.id, client: client)
            #expect(try await receiver.waitFor(count: 1))
            let deliveryID = try await client.onlyDeliveryID(token: subscriber.token)
            #expect(
                try await client.eventually(get: "/api/v3/webhooks/deliveries/\(deliveryID)", token: subscriber.token) {
                    detail in
                    detail.data["nextAttemptAt"] as? String == Timestamp.iso8601(start + .seconds(7))
                }
            )
            harness.clock.advance(by: 7)
            #expect(try await receiver.waitFor(count: 2))
        }
    }

    @Test(arguments: Backend.all) func regeneratingBetweenAttemptsSignsTheNextAttemptWithTheNewSecretOnly(
        backend: Backend
    ) async throws {
        let receiver = TestReceiver(script: [.status(500)], fallback: .status(200))
        try await TestHarness.withSubscriber(on: backend, to: receiver) { harness, client, subscriber in
            let published = try await harness.publish(
                data: #"{"amount":"1.00"}"#,
                appID: subscriber.app.id,
                client: client
            )
            let eventID = try #require(published.data["eventId"] as? String)
            #expect(try await receiver.waitFor(count: 1))
            let data = Array(#"{"amount":"1.00"}"#.utf8)
            #expect(
                SpecSignatures.problems(
                    in: receiver.received[0],
                    secret: subscriber.secret,
                    event: "card.funded",
                    eventID: eventID,
                    data: data
                ).isEmpty
            )

            #expect(try await harness.waitForAttempts(1, client: client, token: subscriber.token))
            let newSecret = try await client.regeneratedSecret(token: subscriber.token)
            harness.clock.advance(by: 60)
            #expect(try await receiver.waitFor(count: 2))
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
            let withOld = SpecSignatures.problems(
                in: second,
                secret: subscriber.secret,
                event: "card.funded",
                eventID: eventID,
                data: data
            )
            #expect(withOld.count >= 3, "the old secret verifies none of the three schemes: \(withOld)")
        }
    }
}
