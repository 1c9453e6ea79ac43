import Foundation
import HookdCore
import HookdServerTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// `POST /webhooks/test`: one signed delivery now, waited for, and logged.
@Suite struct TestDeliveryRouteTests {
    @Test func aTestDeliveryIsSignedAnsweredAndLogged() async throws {
        let receiver = TestReceiver()
        try await TestHarness.withSubscriber(to: receiver) { _, client, subscriber in
            let response = try await client.sendTestDelivery(token: subscriber.token)
            #expect(response.status == .ok, "\(response.raw)")
            #expect(response.message == "Test webhook delivered successfully")
            #expect(response.data["event"] as? String == "card.transaction.approved")
            #expect(response.data["webhookUrl"] as? String == subscriber.url)
            #expect(response.data["delivered"] as? Bool == true)
            #expect(response.data["httpStatus"] as? Int == 200)
            #expect(response.data["responseTime"] is Int)
            let eventID = try #require(response.data["eventId"] as? String)

            let request = try #require(receiver.received.first)
            let body = String(decoding: request.body, as: UTF8.self)
            let dataStart = try #require(body.range(of: #""data":"#)).upperBound
            let data = Array(body[dataStart...].dropLast().utf8)
            #expect(String(decoding: data, as: UTF8.self).hasPrefix(#"{"_test":true"#))
            #expect(
                SpecSignatures.problems(
                    in: request,
                    secret: subscriber.secret,
                    event: "card.transaction.approved",
                    eventID: eventID,
                    data: data
                ).isEmpty
            )

            let log = try await client.json("/api/v3/webhooks/deliveries", method: .get, token: subscriber.token)
            let entry = try #require((log.object["data"] as? [[String: Any]])?.first)
            #expect(entry["eventId"] as? String == eventID)
            #expect(entry["isTest"] as? Bool == true)
            #expect(entry["status"] as? String == "SUCCEEDED")

            let synonym = try await client.json(
                "/api/v3/webhooks/test",
                method: .post,
                token: subscriber.token,
                body: #"{"eventType":"card.frozen"}"#
            )
            #expect(synonym.data["event"] as? String == "card.frozen")
            let bare = try await client.json("/api/v3/webhooks/test", method: .post, token: subscriber.token)
            #expect(bare.data["event"] as? String == "webhook.test")
        }
    }

    @Test func aFailingReceiverIsAnUnprocessableTestThatIsNotRetried() async throws {
        let receiver = TestReceiver(fallback: .status(500))
        try await TestHarness.withSubscriber(to: receiver) { harness, client, subscriber in
            let response = try await client.json("/api/v3/webhooks/test", method: .post, token: subscriber.token)
            #expect(response.status == .unprocessableContent)
            #expect(response.errorCode == "WEBHOOK_DELIVERY_FAILED")
            #expect((response.error["detail"] as? String)?.contains("HTTP 500") == true)
            let log = try await client.json("/api/v3/webhooks/deliveries", method: .get, token: subscriber.token)
            #expect((log.object["data"] as? [[String: Any]])?.first?["status"] as? String == "FAILED")
            harness.clock.advance(by: 3600)
            try await Task.sleep(for: .milliseconds(200))
            #expect(receiver.received.count == 1, "a test delivery has one attempt")

            try await client.configure("http://127.0.0.1:1/hook", token: subscriber.token)
            let refused = try await client.json("/api/v3/webhooks/test", method: .post, token: subscriber.token)
            #expect(refused.errorCode == "WEBHOOK_DELIVERY_FAILED")
            #expect((refused.error["detail"] as? String)?.contains("connection") == true, "\(refused.raw)")
        }
    }

    @Test func aTestNeedsAURLAKnownEventAndAValidBody() async throws {
        let configure: (inout HookdServerConfiguration) -> Void = { $0.limits.testDeliveriesPerMinute = 2 }
        try await TestHarness.withDeliveries(configure: configure) { harness in
            let receiver = TestReceiver()
            try await receiver.withRunning { running in
                try await harness.withLiveServer { client in
                    let (app, key) = try await harness.createApp(type: .collection)
                    let token = try await client.token(for: app, key: key)
                    let unconfigured = try await client.json("/api/v3/webhooks/test", method: .post, token: token)
                    #expect(unconfigured.status == .conflict)
                    #expect(unconfigured.errorCode == "WEBHOOK_NOT_CONFIGURED")
                    try await client.configure(running.url, token: token)
                    for (body, code) in [
                        (#"{"event":"card.funded"}"#, "INVALID_EVENT_TYPE"),
                        (#"{"event":"nope"}"#, "INVALID_EVENT_TYPE"),
                        (#"{"event":1}"#, "VALIDATION_ERROR"),
                        (#"{"event":"payout.completed","eventType":"payout.failed"}"#, "VALIDATION_ERROR"),
                        (#"{"event":"payout.completed","x":1}"#, "VALIDATION_ERROR"),
                        (#"{"event":"#, "VALIDATION_ERROR"),
                    ] {
                        let response = try await client.json(
                            "/api/v3/webhooks/test",
                            method: .post,
                            token: token,
                            body: body
                        )
                        #expect(response.errorCode == code, "\(body): \(response.raw)")
                    }
                    #expect(receiver.received.isEmpty)
                    for _ in 0..<2 {
                        #expect(
                            try await client.json(
                                "/api/v3/webhooks/test",
                                method: .post,
                                token: token,
                                body: #"{"event":"payout.completed"}"#
                            ).status == .ok
                        )
                    }
                    let limited = try await client.json("/api/v3/webhooks/test", method: .post, token: token)
                    #expect(limited.errorCode == "RATE_LIMIT_EXCEEDED")
                    #expect(limited.headers[.retryAfter] != nil)
                }
            }
        }
    }
}
