import Foundation
import HookdCore
import HookdDelivery
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// Deliveries over real sockets to a receiver on 127.0.0.1, checked against the contract's formulas.
@Suite struct DeliveryEndToEndTests {
    /// A configured app: its token and its secret.
    struct Subscriber {
        let app: App
        let token: String
        let secret: String
    }

    static func subscribe(
        _ harness: TestHarness,
        client: any TestClientProtocol,
        url: String
    ) async throws -> Subscriber {
        let (app, key) = try await harness.createApp()
        let token = try await client.token(for: app, key: key)
        let configured = try await client.configure(url, token: token)
        let secret = try #require(configured.data["webhookSecret"] as? String, "\(configured.raw)")
        return Subscriber(app: app, token: token, secret: secret)
    }

    @Test(arguments: Backend.all) func aPublishedEventArrivesSignedUnderAllThreeSchemes(backend: Backend) async throws {
        let harness = try await TestHarness.forDeliveries(on: backend)
        defer { harness.removeFiles() }
        let receiver = TestReceiver()
        let running = try await receiver.start()
        defer { Task { await running.stop() } }
        try await harness.withLiveServer { client in
            let subscriber = try await Self.subscribe(harness, client: client, url: running.url)
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
                try await harness.eventually {
                    let log = try await client.json(
                        "/api/v3/webhooks/deliveries",
                        method: .get,
                        token: subscriber.token
                    )
                    return (log.object["data"] as? [[String: Any]])?.first?["status"] as? String == "SUCCEEDED"
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
        let harness = try await TestHarness.forDeliveries(on: backend)
        defer { harness.removeFiles() }
        let receiver = TestReceiver()
        let running = try await receiver.start()
        defer { Task { await running.stop() } }
        try await harness.withLiveServer { client in
            let subscriber = try await Self.subscribe(harness, client: client, url: running.url)
            let eventID = "6F1C2B3A-4D5E-4F60-8A7B-9C0D1E2F3A4B"
            for data in [#"{"n":1}"#, #"{"n":2}"#, #"{"n":1}"#] {
                let response = try await client.publish(
                    appID: subscriber.app.id,
                    event: "card.created",
                    data: data,
                    eventID: eventID,
                    operatorKey: harness.operatorKey
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

    @Test(arguments: Backend.all) func aReceiverFailingTwiceGetsThreeAttemptsOnTheSchedule(
        backend: Backend
    ) async throws {
        let harness = try await TestHarness.forDeliveries(on: backend)
        defer { harness.removeFiles() }
        let receiver = TestReceiver(
            script: [.status(500, body: Array("boom".utf8)), .status(500)],
            fallback: .status(200)
        )
        let running = try await receiver.start()
        defer { Task { await running.stop() } }
        try await harness.withLiveServer { client in
            let subscriber = try await Self.subscribe(harness, client: client, url: running.url)
            let start = harness.clock.unixSeconds
            _ = try await client.publish(
                appID: subscriber.app.id,
                event: "card.created",
                data: #"{"cardId":"c"}"#,
                operatorKey: harness.operatorKey
            )
            #expect(try await receiver.waitFor(count: 1))
            try await Task.sleep(for: .milliseconds(200))
            #expect(receiver.received.count == 1, "nothing more happens until the clock reaches the retry")

            let deliveryID = try await Self.onlyDeliveryID(client, token: subscriber.token)
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
                try await harness.eventually {
                    let detail = try await client.json(
                        "/api/v3/webhooks/deliveries/\(deliveryID)",
                        method: .get,
                        token: subscriber.token
                    )
                    return detail.data["attempts"] as? Int == 2
                }
            )
            harness.clock.advance(by: 300)
            #expect(try await receiver.waitFor(count: 3))
            #expect(
                try await harness.eventually {
                    let detail = try await client.json(
                        "/api/v3/webhooks/deliveries/\(deliveryID)",
                        method: .get,
                        token: subscriber.token
                    )
                    return detail.data["status"] as? String == "SUCCEEDED"
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
            let target = try #require(URLComponents(string: running.url))
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
        let harness = try await TestHarness.forDeliveries(on: backend) { $0.delivery.retrySchedule = [.seconds(10)] }
        defer { harness.removeFiles() }
        let receiver = TestReceiver(fallback: .status(503))
        let running = try await receiver.start()
        defer { Task { await running.stop() } }
        try await harness.withLiveServer { client in
            let subscriber = try await Self.subscribe(harness, client: client, url: running.url)
            _ = try await client.publish(
                appID: subscriber.app.id,
                event: "card.created",
                data: "{}",
                operatorKey: harness.operatorKey
            )
            #expect(try await receiver.waitFor(count: 1))
            #expect(try await Self.waitForAttempts(1, harness, client, token: subscriber.token))
            harness.clock.advance(by: 10)
            #expect(try await receiver.waitFor(count: 2))
            let deliveryID = try await Self.onlyDeliveryID(client, token: subscriber.token)
            #expect(
                try await harness.eventually {
                    let detail = try await client.json(
                        "/api/v3/webhooks/deliveries/\(deliveryID)",
                        method: .get,
                        token: subscriber.token
                    )
                    return detail.data["status"] as? String == "FAILED"
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
                try await harness.eventually {
                    let detail = try await client.json(
                        "/api/v3/webhooks/deliveries/\(deliveryID)",
                        method: .get,
                        token: subscriber.token
                    )
                    return detail.data["status"] as? String == "SUCCEEDED" && detail.data["attempts"] as? Int == 3
                }
            )
        }
    }

    @Test(arguments: Backend.all) func retryAfterFromTheReceiverIsHonoured(backend: Backend) async throws {
        let harness = try await TestHarness.forDeliveries(on: backend)
        defer { harness.removeFiles() }
        let receiver = TestReceiver(script: [.status(429, headers: [("Retry-After", "7")])])
        let running = try await receiver.start()
        defer { Task { await running.stop() } }
        try await harness.withLiveServer { client in
            let subscriber = try await Self.subscribe(harness, client: client, url: running.url)
            let start = harness.clock.unixSeconds
            _ = try await client.publish(
                appID: subscriber.app.id,
                event: "card.created",
                data: "{}",
                operatorKey: harness.operatorKey
            )
            #expect(try await receiver.waitFor(count: 1))
            let deliveryID = try await Self.onlyDeliveryID(client, token: subscriber.token)
            #expect(
                try await harness.eventually {
                    let detail = try await client.json(
                        "/api/v3/webhooks/deliveries/\(deliveryID)",
                        method: .get,
                        token: subscriber.token
                    )
                    return detail.data["nextAttemptAt"] as? String == Timestamp.iso8601(start + .seconds(7))
                }
            )
            harness.clock.advance(by: 7)
            #expect(try await receiver.waitFor(count: 2))
        }
    }

    @Test(arguments: Backend.all) func regeneratingBetweenAttemptsSignsTheNextAttemptWithTheNewSecretOnly(
        backend: Backend
    ) async throws {
        let harness = try await TestHarness.forDeliveries(on: backend)
        defer { harness.removeFiles() }
        let receiver = TestReceiver(script: [.status(500)], fallback: .status(200))
        let running = try await receiver.start()
        defer { Task { await running.stop() } }
        try await harness.withLiveServer { client in
            let subscriber = try await Self.subscribe(harness, client: client, url: running.url)
            let published = try await client.publish(
                appID: subscriber.app.id,
                event: "card.funded",
                data: #"{"amount":"1.00"}"#,
                operatorKey: harness.operatorKey
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

            #expect(try await Self.waitForAttempts(1, harness, client, token: subscriber.token))
            let regenerated = try await client.json(
                "/api/v3/webhooks/secret/regenerate",
                method: .post,
                token: subscriber.token
            )
            let newSecret = try #require(regenerated.data["webhookSecret"] as? String)
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

    @Test(arguments: Backend.all) func aDisabledURLHoldsDeliveriesUntilItIsSetAgain(backend: Backend) async throws {
        let harness = try await TestHarness.forDeliveries(on: backend)
        defer { harness.removeFiles() }
        let receiver = TestReceiver()
        let running = try await receiver.start()
        defer { Task { await running.stop() } }
        try await harness.withLiveServer { client in
            let subscriber = try await Self.subscribe(harness, client: client, url: running.url)
            try await client.configure(nil, token: subscriber.token)
            for index in 0..<3 {
                _ = try await client.publish(
                    appID: subscriber.app.id,
                    event: "card.created",
                    data: #"{"i":\#(index)}"#,
                    operatorKey: harness.operatorKey
                )
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.received.isEmpty)
            let pending = try await client.json(
                "/api/v3/webhooks/deliveries?status=pending",
                method: .get,
                token: subscriber.token
            )
            #expect((pending.object["pagination"] as? [String: Any])?["total"] as? Int == 3)
            try await client.configure(running.url, token: subscriber.token)
            #expect(try await receiver.waitFor(count: 3))
        }
    }

    @Test(arguments: Backend.all) func aReceiverThatIsDownThenBackGetsEverythingWithoutAManualStep(
        backend: Backend
    ) async throws {
        let harness = try await TestHarness.forDeliveries(on: backend) {
            $0.delivery.retrySchedule = [.seconds(5), .seconds(5), .seconds(5)]
        }
        defer { harness.removeFiles() }
        let receiver = TestReceiver()
        // Down: the port refuses connections, and stays ours until the receiver comes back on it.
        let down = try ClosedPort()
        let port = down.port
        try await harness.withLiveServer { client in
            let subscriber = try await Self.subscribe(harness, client: client, url: "http://127.0.0.1:\(port)/hook")
            for index in 0..<20 {
                _ = try await client.publish(
                    appID: subscriber.app.id,
                    event: "card.created",
                    data: #"{"i":\#(index)}"#,
                    operatorKey: harness.operatorKey
                )
            }
            #expect(
                try await harness.eventually {
                    let log = try await client.json(
                        "/api/v3/webhooks/deliveries?limit=100",
                        method: .get,
                        token: subscriber.token
                    )
                    let entries = log.object["data"] as? [[String: Any]] ?? []
                    return entries.count == 20 && entries.allSatisfy { $0["attempts"] as? Int == 1 }
                }
            )
            let detail = try await client.json(
                "/api/v3/webhooks/deliveries/\(try await Self.onlyDeliveryID(client, token: subscriber.token, index: 0))",
                method: .get,
                token: subscriber.token
            )
            let attempt = try #require((detail.data["attemptHistory"] as? [[String: Any]])?.first)
            #expect((attempt["error"] as? String)?.contains("connection") == true, "\(attempt)")
            #expect(attempt["httpStatus"] is NSNull)

            down.release()
            let back = try await receiver.start(port: port)
            defer { Task { await back.stop() } }
            harness.clock.advance(by: 5)
            #expect(try await receiver.waitFor(count: 20))
            #expect(Set(receiver.received.map { $0.header("webhook-id") }).count == 20)
        }
    }

    @Test(arguments: Backend.all) func timeoutsRedirectsAndHugeAnswersAreFailuresThatNeitherHangNorCrash(
        backend: Backend
    ) async throws {
        // The timeout leaves room for a machine busy with the rest of the suite; the slow answer is well past it.
        let harness = try await TestHarness.forDeliveries(on: backend) { $0.delivery.timeout = .seconds(2) }
        defer { harness.removeFiles() }
        let huge = Array(repeating: UInt8(ascii: "x"), count: 10 * 1024 * 1024)
        let receiver = TestReceiver(script: [
            .delayed(.seconds(6), .status(200)),
            .status(302, headers: [("Location", "http://127.0.0.1:1/elsewhere")]),
            .status(500, body: huge),
            .status(200, body: huge),
        ])
        let running = try await receiver.start()
        defer { Task { await running.stop() } }
        try await harness.withLiveServer { client in
            let subscriber = try await Self.subscribe(harness, client: client, url: running.url)
            var outcomes: [[String: Any]] = []
            for index in 0..<4 {
                harness.clock.advance(by: 1)
                _ = try await client.publish(
                    appID: subscriber.app.id,
                    event: "card.created",
                    data: #"{"i":\#(index)}"#,
                    operatorKey: harness.operatorKey
                )
                #expect(try await receiver.waitFor(count: index + 1, seconds: 10))
                #expect(try await Self.waitForAttempts(1, harness, client, token: subscriber.token))
                let id = try await Self.onlyDeliveryID(client, token: subscriber.token, index: 0)
                let detail = try await client.json(
                    "/api/v3/webhooks/deliveries/\(id)",
                    method: .get,
                    token: subscriber.token
                )
                outcomes.append(try #require((detail.data["attemptHistory"] as? [[String: Any]])?.first))
                #expect(detail.data["status"] as? String == (index == 3 ? "SUCCEEDED" : "PENDING"))
            }
            #expect((outcomes[0]["error"] as? String)?.contains("no answer within") == true, "\(outcomes[0])")
            #expect(outcomes[1]["httpStatus"] as? Int == 302, "a redirect is not followed")
            #expect(outcomes[2]["httpStatus"] as? Int == 500)
            #expect((outcomes[2]["responseBody"] as? String)?.count == 2048, "only 2 KiB of an answer is kept")
            #expect(outcomes[3]["httpStatus"] as? Int == 200, "a 2xx is a success whatever its body")
            #expect(receiver.received.count == 4, "the redirect's target was never requested")
        }
    }

    @Test(arguments: Backend.all) func aRefusedConnectionIsAFailureNotAHang(backend: Backend) async throws {
        let harness = try await TestHarness.forDeliveries(on: backend)
        defer { harness.removeFiles() }
        try await harness.withLiveServer { client in
            let subscriber = try await Self.subscribe(harness, client: client, url: "http://127.0.0.1:1/hook")
            _ = try await client.publish(
                appID: subscriber.app.id,
                event: "card.created",
                data: "{}",
                operatorKey: harness.operatorKey
            )
            #expect(try await Self.waitForAttempts(1, harness, client, token: subscriber.token))
        }
    }

    /// Waits until the newest delivery has `attempts` attempts recorded.
    static func waitForAttempts(
        _ attempts: Int,
        _ harness: TestHarness,
        _ client: any TestClientProtocol,
        token: String
    ) async throws -> Bool {
        try await harness.eventually {
            let log = try await client.json("/api/v3/webhooks/deliveries", method: .get, token: token)
            return (log.object["data"] as? [[String: Any]])?.first?["attempts"] as? Int == attempts
        }
    }

    /// The id of the app's delivery at `index` of the log (newest first).
    static func onlyDeliveryID(_ client: any TestClientProtocol, token: String, index: Int = 0) async throws -> String {
        let log = try await client.json("/api/v3/webhooks/deliveries", method: .get, token: token)
        let entries = try #require(log.object["data"] as? [[String: Any]])
        return try #require(entries[index]["deliveryId"] as? String)
    }
}
