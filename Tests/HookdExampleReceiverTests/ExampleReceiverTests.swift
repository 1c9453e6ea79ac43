import AsyncHTTPClient
import Foundation
import HTTPTypes
import HookdCore
import HookdServerTestSupport
import HookdVerify
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization
import Testing

@testable import HookdExampleReceiver
@testable import HookdServer

/// The customer's example receiver (`Examples/Receiver`) against a real hookd: verification, deduplication, refusals.
@Suite struct ExampleReceiverTests {
    /// What the example receiver's handler was given, in order.
    final class Processed: Sendable {
        struct Item: Sendable {
            let delivery: VerifiedDelivery
            let body: [UInt8]

            /// The exact bytes of the body's `data` value.
            var data: [UInt8] { delivery.dataRange.map { Array(body[$0]) } ?? [] }
        }

        private let items = Mutex<[Item]>([])

        var all: [Item] { items.withLock { $0 } }

        func append(_ delivery: VerifiedDelivery, _ body: [UInt8]) {
            items.withLock { $0.append(Item(delivery: delivery, body: body)) }
        }

        func waitFor(count: Int, seconds: Double = 20) async throws -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if all.count >= count { return true }
                try await Task.sleep(for: .milliseconds(10))
            }
            return all.count >= count
        }
    }

    /// Serves `receiver` on 127.0.0.1 at a free port, as `ReceiverMain` does, and runs `body` with its URL.
    static func withServed<Value: Sendable>(
        _ receiver: WebhookReceiver,
        _ body: (String) async throws -> Value
    ) async throws -> Value {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "example-receiver")
        logger.logLevel = .error
        let app = Application(
            router: receiver.router(),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        do {
            guard let port = await ports.first(where: { _ in true }) else { throw CancellationError() }
            let value = try await body("http://127.0.0.1:\(port)/webhooks")
            await group.triggerGracefulShutdown()
            try await task.value
            return value
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
            throw error
        }
    }

    @Test func hookdDeliveriesAreVerifiedUnderAllThreeSchemesAndAReplayIsProcessedOnce() async throws {
        try await TestHarness.withRealTime { harness in
            let processed = Processed()
            try await harness.withLiveServer { client in
                // As a customer does it: set a URL to get the secret, start the receiver with it, then point hookd at it.
                let subscriber = try await harness.subscribe(
                    client: client,
                    url: "http://127.0.0.1:1/webhooks"
                )
                let receiver = try WebhookReceiver(secret: subscriber.secret) { delivery, body in
                    processed.append(delivery, body)
                }
                try await Self.withServed(receiver) { url in
                    let configured = try await client.configure(url, token: subscriber.token)
                    #expect(configured.status == .ok, "\(configured.raw)")

                    let events: [(name: String, published: String, compact: String)] = [
                        (
                            "card.funded", #"{"cardId":"crd_1","amount":"25.00","currency":"USD"}"#,
                            #"{"cardId":"crd_1","amount":"25.00","currency":"USD"}"#
                        ),
                        (
                            "card.transaction.approved",
                            #"{ "merchant" : "Caf\u00e9 Z\u00fcrich \/ \ud83c\udf55", "amount" : 1.50, "tags" : [ "a", "b" ] }"#,
                            #"{"merchant":"Café Zürich / 🍕","amount":1.50,"tags":["a","b"]}"#
                        ),
                        (
                            "cardholder.kyc.approved", #"{"cardholderId":"ch_9","data":{"sign":"not the signature"}}"#,
                            #"{"cardholderId":"ch_9","data":{"sign":"not the signature"}}"#
                        ),
                    ]
                    var eventIDs: [String] = []
                    for event in events {
                        let published = try await harness.publish(
                            event.name,
                            data: event.published,
                            appID: subscriber.app.id,
                            client: client
                        )
                        #expect(published.status == .accepted, "\(published.raw)")
                        eventIDs.append(try #require(published.data["eventId"] as? String))
                    }
                    #expect(try await processed.waitFor(count: events.count))

                    for (event, eventID) in zip(events, eventIDs) {
                        let item = try #require(processed.all.first { $0.delivery.eventId == eventID }, "\(eventID)")
                        #expect(item.delivery.schemes == Set(SignatureScheme.allCases))
                        #expect(item.delivery.event == event.name)
                        #expect(String(decoding: item.data, as: UTF8.self) == event.compact)
                    }

                    // A replay from the delivery log: hookd sends the same event again, the receiver acknowledges it
                    // and does not process it a second time.
                    let deliveryID = try await Self.deliveryID(of: eventIDs[1], client, token: subscriber.token)
                    #expect(
                        try await harness.eventually {
                            try await Self.detail(deliveryID, client, token: subscriber.token)["status"] as? String
                                == "SUCCEEDED"
                        }
                    )
                    let retried = try await client.json(
                        "/api/v3/webhooks/deliveries/\(deliveryID)/retry",
                        method: .post,
                        token: subscriber.token
                    )
                    #expect(retried.status == .accepted, "\(retried.raw)")
                    #expect(
                        try await harness.eventually {
                            let detail = try await Self.detail(deliveryID, client, token: subscriber.token)
                            return detail["attempts"] as? Int == 2 && detail["status"] as? String == "SUCCEEDED"
                        }
                    )
                    let detail = try await Self.detail(deliveryID, client, token: subscriber.token)
                    let attempts = try #require(detail["attemptHistory"] as? [[String: Any]])
                    #expect(attempts.map { $0["httpStatus"] as? Int } == [200, 200])
                    #expect(
                        attempts.map {
                            ($0["responseBody"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines)
                        }
                            == ["ok", "duplicate"],
                        "the receiver saw the event twice"
                    )
                    try await Task.sleep(for: .milliseconds(200))
                    #expect(processed.all.count == events.count, "and processed it once")
                    #expect(processed.all.filter { $0.delivery.eventId == eventIDs[1] }.count == 1)
                }
            }
        }
    }

    @Test func tamperedOversizedAndUnsignedRequestsSentDirectlyAreRefused() async throws {
        try await TestHarness.withRealTime { harness in
            let capture = TestReceiver()
            try await capture.withRunning { running in
                let processed = Processed()
                try await harness.withLiveServer { client in
                    // A real delivery, captured on its way to another receiver.
                    let subscriber = try await harness.subscribe(client: client, url: running.url)
                    let published = try await harness.publish(
                        data: #"{"cardId":"crd_1","amount":"25.00","currency":"USD"}"#,
                        appID: subscriber.app.id,
                        client: client
                    )
                    let eventID = try #require(published.data["eventId"] as? String)
                    #expect(try await capture.waitFor(count: 1))
                    let original = try #require(capture.received.first)
                    let body = String(decoding: original.body, as: UTF8.self)
                    #expect(body.contains(#""amount":"25.00""#))

                    let receiver = try WebhookReceiver(secret: subscriber.secret) { delivery, body in
                        processed.append(delivery, body)
                    }
                    try await Self.withServed(receiver) { url in
                        var plain = HTTPFields()
                        plain[.contentType] = "application/json"
                        let sign = try #require(body.firstMatch(of: /"sign":"[0-9a-f]{64}",/)?.output)
                        let huge =
                            #"{"data":""# + String(repeating: "x", count: WebhookReceiver.maximumBodySize) + #""}"#
                        let cases: [(body: String, headers: HTTPFields, status: Int, reason: String)] = [
                            // The amount changed in flight.
                            (
                                body.replacingOccurrences(of: #""amount":"25.00""#, with: #""amount":"95.00""#),
                                original.headers, 400, "rejected: no matching"
                            ),
                            // Parsed and written again with spaces: the same JSON value, other bytes.
                            (
                                body.replacingOccurrences(of: #"":"#, with: #"": "#), original.headers, 400,
                                "rejected: no matching"
                            ),
                            // The envelope under another eventId with the header schemes stripped: the v3 `sign` still
                            // matches (it covers `data` only), so the verifier insists on a timestamped header scheme.
                            (
                                body.replacingOccurrences(of: eventID, with: UUID().uuidString.lowercased()), plain,
                                400,
                                "rejected: only the v3 sign"
                            ),
                            // No signature at all.
                            (body.replacingOccurrences(of: sign, with: ""), plain, 400, "rejected: no signature"),
                            // Over 1 MiB.
                            (huge, original.headers, 413, "body over 1 MiB"),
                        ]
                        var refusals: [String] = []
                        for refused in cases {
                            let answer = try await Self.send(
                                url,
                                body: Array(refused.body.utf8),
                                headers: refused.headers
                            )
                            #expect(answer.status == refused.status, "\(refused.reason): \(answer.text)")
                            #expect(answer.text.hasPrefix(refused.reason), "\(answer.text)")
                            refusals.append(answer.text)
                        }
                        for text in refusals {
                            #expect(!text.contains(subscriber.secret))
                            #expect(!text.contains(subscriber.secret.dropFirst("whsec_".count)))
                        }
                        #expect(processed.all.isEmpty)

                        // The untouched delivery is accepted, once.
                        let first = try await Self.send(url, body: original.body, headers: original.headers)
                        #expect(first.status == 200 && first.text == "ok\n", "\(first)")
                        let again = try await Self.send(url, body: original.body, headers: original.headers)
                        #expect(again.status == 200 && again.text == "duplicate\n", "\(again)")
                        #expect(processed.all.map(\.delivery.eventId) == [eventID])
                    }
                }
            }
        }
    }

    @Test func aHandlerThatThrowsGets500AndHookdsRetryIsProcessed() async throws {
        try await TestHarness.withRealTime { harness in
            let processed = Processed()
            let failures = Atomic<Int>(1)
            try await harness.withLiveServer { client in
                let subscriber = try await harness.subscribe(
                    client: client,
                    url: "http://127.0.0.1:1/webhooks"
                )
                let receiver = try WebhookReceiver(secret: subscriber.secret) { delivery, body in
                    struct DatabaseDown: Error {}
                    if failures.subtract(1, ordering: .relaxed).oldValue > 0 { throw DatabaseDown() }
                    processed.append(delivery, body)
                }
                try await Self.withServed(receiver) { url in
                    try await client.configure(url, token: subscriber.token)
                    let published = try await harness.publish(
                        "card.created",
                        data: #"{"cardId":"crd_2"}"#,
                        appID: subscriber.app.id,
                        client: client
                    )
                    let eventID = try #require(published.data["eventId"] as? String)
                    #expect(try await harness.waitForAttempts(1, client: client, token: subscriber.token))
                    #expect(processed.all.isEmpty)

                    harness.clock.advance(by: 60)  // the first retry, still well within the receiver's tolerance
                    #expect(try await processed.waitFor(count: 1))
                    #expect(processed.all.map(\.delivery.eventId) == [eventID], "the failed attempt was not remembered")
                    let deliveryID = try await Self.deliveryID(of: eventID, client, token: subscriber.token)
                    #expect(
                        try await harness.eventually {
                            try await Self.detail(deliveryID, client, token: subscriber.token)["status"] as? String
                                == "SUCCEEDED"
                        }
                    )
                    let attempts = try #require(
                        try await Self.detail(deliveryID, client, token: subscriber.token)["attemptHistory"]
                            as? [[String: Any]]
                    )
                    #expect(attempts.map { $0["httpStatus"] as? Int } == [500, 200])
                }
            }
        }
    }

    @Test func theDedupSetIsBoundedAndForgetsTheOldestFirst() {
        var recent = RecentEventIDs(capacity: 3)
        var inserted: [Bool] = []
        for id in ["a", "b", "c", "a", "d", "a", "c", "d"] { inserted.append(recent.insert(id)) }
        // "d" evicts "a", the oldest; "a" then comes back as new and evicts "b"; "c" and "d" are still remembered.
        #expect(inserted == [true, true, true, false, true, true, false, false])
        recent.remove("d")
        let afterRemoval = recent.insert("d")
        #expect(afterRemoval, "a forgotten id is new again")
    }

    /// Sends a delivery straight to the receiver, with the captured headers minus those that describe the connection.
    static func send(_ url: String, body: [UInt8], headers: HTTPFields) async throws -> (status: Int, text: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        let connection: Set<String> = ["host", "content-length", "connection", "transfer-encoding"]
        for field in headers where !connection.contains(field.name.canonicalName) {
            request.headers.add(name: field.name.rawName, value: field.value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let text = try await response.body.collect(upTo: 1 << 16)
        return (Int(response.status.code), String(buffer: text))
    }

    static func deliveryID(of eventID: String, _ client: any TestClientProtocol, token: String) async throws -> String {
        let log = try await client.json("/api/v3/webhooks/deliveries", method: .get, token: token)
        let entries = try #require(log.object["data"] as? [[String: Any]])
        let entry = try #require(entries.first { $0["eventId"] as? String == eventID })
        return try #require(entry["deliveryId"] as? String)
    }

    static func detail(
        _ deliveryID: String,
        _ client: any TestClientProtocol,
        token: String
    ) async throws
        -> [String: Any]
    {
        try await client.json("/api/v3/webhooks/deliveries/\(deliveryID)", method: .get, token: token).data
    }
}
