import Foundation
import HookdCore
import HookdServerTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// Fyatu's single-URL (family A) routes under `/api/v3.20` (SPEC §11.1): `PUT /webhooks`,
/// `POST /webhooks/secret/regenerate` and `POST /webhooks/test`, on the app's one URL, answered as v3 answers.
@Suite struct V3_20SingleURLTests {
    /// A client written from Fyatu's v3.20 pages, over real sockets, to a receiver on the loopback address.
    @Test(arguments: Backend.all)
    func aV3_20ClientGetsATokenSetsItsURLRegeneratesAndTests(backend: Backend) async throws {
        try await TestHarness.withDeliveries(on: backend) { harness in
            let receiver = TestReceiver()
            try await receiver.withRunning { running in
                let (app, key) = try await harness.createApp()
                try await harness.withLiveServer { client in
                    let token = try await V3_20Endpoints.token(client, app, key)

                    let configured = try await client.setV3_20WebhookURL(running.url, token: token)
                    #expect(configured.status == .ok, "\(configured.raw)")
                    #expect(configured.data["webhookUrl"] as? String == running.url)
                    #expect(configured.data["isConfigured"] as? Bool == true)
                    #expect(configured.data["hasWebhookSecret"] as? Bool == true)
                    #expect(configured.data["secretNote"] is String)
                    let first = try #require(configured.data["webhookSecret"] as? String)
                    // The same URL as v3's.
                    let v3View = try await client.json("/api/v3/webhooks", method: .get, token: token)
                    #expect(v3View.data["webhookUrl"] as? String == running.url)

                    let regenerated = try await client.json(
                        "/api/v3.20/webhooks/secret/regenerate",
                        method: .post,
                        token: token
                    )
                    #expect(regenerated.status == .ok, "\(regenerated.raw)")
                    #expect(regenerated.message == "Webhook secret regenerated")
                    #expect(regenerated.data["secretNote"] as? String == WebhookRoutes.secretNote)
                    #expect(regenerated.data["note"] == nil)
                    let second = try #require(regenerated.data["webhookSecret"] as? String)
                    #expect(second.wholeMatch(of: /whsec_[a-z0-9]{32}/) != nil)
                    #expect(second != first)
                    #expect(try await harness.storedSecret(appID: app.id) == second)

                    let tested = try await client.json(
                        "/api/v3.20/webhooks/test",
                        method: .post,
                        token: token,
                        body: #"{"eventType":"card.transaction.approved"}"#
                    )
                    #expect(tested.status == .ok, "\(tested.raw)")
                    #expect(tested.data["delivered"] as? Bool == true)
                    #expect(tested.data["httpStatus"] as? Int == 200)
                    #expect(tested.data["responseTime"] is Int)
                    #expect(tested.data["event"] as? String == "card.transaction.approved")
                    let eventID = try #require(tested.data["eventId"] as? String)

                    // Signed with the new secret only: the old one was dead the moment the new one was committed.
                    let request = try #require(receiver.received.last)
                    #expect(receiver.received.count == 1)
                    let body = String(decoding: request.body, as: UTF8.self)
                    let dataStart = try #require(body.range(of: #""data":"#)).upperBound
                    let data = Array(body[dataStart...].dropLast().utf8)
                    let withNew = SpecSignatures.problems(
                        in: request,
                        secret: second,
                        event: "card.transaction.approved",
                        eventID: eventID,
                        data: data
                    )
                    #expect(withNew.isEmpty, "\(withNew)")
                    let withOld = SpecSignatures.problems(
                        in: request,
                        secret: first,
                        event: "card.transaction.approved",
                        eventID: eventID,
                        data: data
                    )
                    #expect(withOld.count >= 3, "the old secret verifies nothing: \(withOld)")
                }
            }
        }
    }

    @Test(arguments: Backend.all)
    func theSingleURLRoutesAnswerAsV3(backend: Backend) async throws {
        try await TestHarness.withDeliveries(on: backend) { harness in
            let receiver = TestReceiver(fallback: .status(500))
            try await receiver.withRunning { running in
                let (app, key) = try await harness.createApp()
                try await harness.withLiveServer { client in
                    let token = try await V3_20Endpoints.token(client, app, key)
                    for path in ["/api/v3.20/webhooks/test", "/api/v3.20/webhooks/secret/regenerate"] {
                        let unset = try await client.json(path, method: .post, token: token)
                        #expect(unset.status == .conflict, "\(path)")
                        #expect(unset.errorCode == "WEBHOOK_NOT_CONFIGURED", "\(path)")
                    }
                    let invalid = try await client.json(
                        "/api/v3.20/webhooks",
                        method: .put,
                        token: token,
                        body: #"{"webhookUrl":42}"#
                    )
                    #expect(invalid.status == .badRequest, "v3's 400, not the endpoint routes' 422")
                    #expect(invalid.errorCode == "VALIDATION_ERROR")
                    #expect(
                        try await client.json("/api/v3.20/webhooks", method: .put, body: "{}").status == .unauthorized
                    )

                    // The app's secret key as the bearer works here as on every v3.20 route.
                    let configured = try await client.json(
                        "/api/v3.20/webhooks",
                        method: .put,
                        token: key.value,
                        body: #"{"webhookUrl":"\#(running.url)"}"#
                    )
                    #expect(configured.status == .ok, "\(configured.raw)")
                    let test = { (event: String) in
                        try await client.json(
                            "/api/v3.20/webhooks/test",
                            method: .post,
                            token: token,
                            body: #"{"event":"\#(event)"}"#
                        )
                    }
                    let unknown = try await test("no.such.event")
                    #expect(unknown.status == .badRequest)
                    #expect(unknown.errorCode == "INVALID_EVENT_TYPE")
                    let failed = try await test("card.transaction.approved")
                    #expect(failed.status == .unprocessableContent)
                    #expect(failed.errorCode == "WEBHOOK_DELIVERY_FAILED")
                    #expect((failed.error["detail"] as? String)?.contains("HTTP 500") == true)
                    // The endpoint list is still family B's.
                    let list = try await client.json("/api/v3.20/webhooks", method: .get, token: token)
                    #expect(list.object["data"] is [Any], "\(list.raw)")
                }
            }
        }
    }
}
