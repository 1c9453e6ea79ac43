import Foundation
import HookdCore
import HookdDelivery
import HookdServerTestSupport
import HookdVerify
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// The v3.20 endpoints (SPEC §11) over real sockets: subscriptions, the v3.20 format, 410 and recovery, rotation
/// with an overlap, deletion, on both stores.
@Suite struct EndpointEndToEndTests {
    @Test(arguments: Backend.all) func threeEndpointsReceiveExactlyWhatTheySubscribedTo(backend: Backend) async throws {
        let receiver = TestReceiver()
        try await V3_20Endpoints.withSession(on: backend, receivers: [receiver]) { session in
            let (client, tenant, url, clock) = (session.client, session.tenant, session.urls[0], session.harness.clock)
            // The secret key itself is a bearer on the v3.20 routes.
            let a = try await V3_20Endpoints.create(
                client,
                token: tenant.key.value,
                url: url,
                events: ["CARD_FUNDED"],
                extra: #","headers":{"X-Endpoint":"a"}"#
            )
            let b = try await session.create(
                url: url,
                events: ["card.created", "CARD_FUNDED"],
                extra: #","headers":{"X-Endpoint":"b"},"description":"ledger""#
            )
            let c = try await session.create(
                url: url,
                events: ["CARD_TERMINATED"],
                extra: #","headers":{"X-Endpoint":"c"}"#
            )
            for event in ["card.funded", "card.created", "card.terminated", "card.frozen"] {
                try await session.publish(event)
            }
            #expect(try await receiver.waitFor(count: 4))
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.received.count == 4, "card.frozen has no subscriber, and the app has no v3 URL")

            let secrets = ["a": a.secret, "b": b.secret, "c": c.secret]
            var events: [String: [String]] = [:]
            for request in receiver.received {
                let endpoint = try #require(request.header("X-Endpoint"))
                let delivery = try V3_20Endpoints.verify(request, secret: try #require(secrets[endpoint]), at: clock)
                #expect(delivery.schemes == [.fyatu, .standardWebhooks])
                #expect(delivery.environment == "LIVE")
                #expect(delivery.businessId == tenant.app.businessID.rawValue)
                #expect(request.header("X-Fyatu-Environment") == "LIVE")
                events[endpoint, default: []].append(try #require(delivery.event))
                for (other, secret) in secrets where other != endpoint {
                    #expect(throws: WebhookVerificationError.self) {
                        try V3_20Endpoints.verify(request, secret: secret, at: clock)
                    }
                }
            }
            #expect(events["a"] == ["CARD_FUNDED"])
            #expect(events["b"]?.sorted() == ["CARD_FUNDED", "CARD_ISSUED"])
            #expect(events["c"] == ["CARD_TERMINATED"])

            let listed = try await client.json("/api/v3.20/webhooks", method: .get, token: tenant.key.value)
            #expect(listed.status == .ok, "\(listed.raw)")
            let items = try #require(listed.object["data"] as? [[String: Any]])
            #expect(items.map { $0["webhookId"] as? String } == [a.id, b.id, c.id])
            #expect((listed.object["pagination"] as? [String: Any])?["total"] as? Int == 3)
            let shown = try await V3_20Endpoints.show(client, token: tenant.token, id: b.id)
            #expect(shown.data["events"] as? [String] == ["CARD_ISSUED", "CARD_FUNDED"])
            #expect(shown.data["totalDeliveries"] as? Int == 2)
            #expect(shown.data["secretPrefix"] as? String == String(b.secret.prefix(12)))
            #expect(!shown.raw.contains(b.secret), "no read shows the secret")
        }
    }

    @Test(arguments: Backend.all) func a410DisablesTheEndpointTellsTheOthersAndEnablingDeliversWhatWaited(
        backend: Backend
    ) async throws {
        let listener = TestReceiver()
        let gone = TestReceiver(fallback: .status(410))
        try await V3_20Endpoints.withSession(on: backend, receivers: [listener, gone]) { session in
            let (client, tenant, clock) = (session.client, session.tenant, session.harness.clock)
            let watcher = try await session.create(url: session.urls[0], events: ["WEBHOOK_ENDPOINT_DISABLED"])
            let leaving = try await session.create(url: session.urls[1], events: ["CARD_FUNDED"])
            try await session.publish("card.funded")
            #expect(try await gone.waitFor(count: 1))
            #expect(try await listener.waitFor(count: 1), "the app is told")
            let notice = try V3_20Endpoints.verify(
                try #require(listener.received.first),
                secret: watcher.secret,
                at: clock
            )
            #expect(notice.event == "WEBHOOK_ENDPOINT_DISABLED")
            let body = String(decoding: try #require(listener.received.first).body, as: UTF8.self)
            #expect(body.contains(#""webhookId":"\#(leaving.id)""#) && body.contains(#""reason":"GONE""#), "\(body)")

            let disabled = try await V3_20Endpoints.show(client, token: tenant.token, id: leaving.id)
            #expect(disabled.data["status"] as? String == "DISABLED")
            #expect(disabled.data["disabledReason"] as? String == "GONE")
            #expect(disabled.data["failureCount"] as? Int == 1)
            #expect(disabled.data["lastDeliveryStatus"] as? String == "FAILED")

            // The delivery that met the 410 waits for a retry, held while the endpoint is disabled.
            gone.answer(with: .status(200))
            let enabled = try await client.json(
                "/api/v3.20/webhooks/\(leaving.id)",
                method: .patch,
                token: tenant.token,
                body: #"{"enabled":true}"#
            )
            #expect(enabled.status == .ok, "\(enabled.raw)")
            #expect(enabled.data["status"] as? String == "ACTIVE")
            #expect(enabled.data["disabledReason"] is NSNull)
            #expect(enabled.data["failureCount"] as? Int == 0)
            #expect(try await gone.waitFor(count: 2), "the waiting delivery goes out once the endpoint is enabled")
            #expect(
                try V3_20Endpoints.verify(gone.received[1], secret: leaving.secret, at: clock).event == "CARD_FUNDED"
            )
        }
    }

    @Test(arguments: Backend.all) func aRotationWithAnOverlapSignsWithBothSecretsUntilTheWindowEnds(
        backend: Backend
    ) async throws {
        let receiver = TestReceiver()
        try await V3_20Endpoints.withSession(on: backend, receivers: [receiver]) { session in
            let (client, tenant, clock) = (session.client, session.tenant, session.harness.clock)
            let endpoint = try await session.create(url: session.urls[0], events: ["CARD_FUNDED"])
            let rotated = try await client.json(
                "/api/v3.20/webhooks/\(endpoint.id)/secret/rotate",
                method: .post,
                token: tenant.token,
                body: #"{"overlapSeconds":60}"#
            )
            #expect(rotated.status == .ok, "\(rotated.raw)")
            let newSecret = try #require(rotated.object["secret"] as? String)
            #expect(newSecret != endpoint.secret)
            #expect(newSecret.wholeMatch(of: /whsec_[0-9a-f]{64}/) != nil)

            try await session.publish("card.funded")
            #expect(try await receiver.waitFor(count: 1))
            let during = try #require(receiver.received.first)
            #expect(during.header("X-Fyatu-Signature")?.components(separatedBy: "v1=").count == 3)
            #expect(during.header("webhook-signature")?.split(separator: " ").count == 2)
            #expect(try V3_20Endpoints.verify(during, secret: endpoint.secret, at: clock).schemes.count == 2)
            #expect(try V3_20Endpoints.verify(during, secret: newSecret, at: clock).schemes.count == 2)

            clock.advance(by: 61)
            try await session.publish("card.funded", data: #"{"n":2}"#)
            #expect(try await receiver.waitFor(count: 2))
            let after = receiver.received[1]
            #expect(try V3_20Endpoints.verify(after, secret: newSecret, at: clock).event == "CARD_FUNDED")
            #expect(throws: WebhookVerificationError.self, "the old secret is dead once the window ends") {
                try V3_20Endpoints.verify(after, secret: endpoint.secret, at: clock)
            }
        }
    }

    @Test(arguments: Backend.all) func recoverQueuesExactlyTheFailedDeliveriesOfTheWindow(backend: Backend) async throws
    {
        let receiver = TestReceiver(fallback: .status(500))
        try await V3_20Endpoints.withSession(on: backend, receivers: [receiver]) { configuration in
            // One attempt each, so that a failure is final at once (v3.20 endpoints follow their own schedule).
            configuration.delivery.retrySchedule = []
            configuration.delivery.endpointRetrySchedule = []
        } _: { session in
            let (client, tenant, clock) = (session.client, session.tenant, session.harness.clock)
            let endpoint = try await session.create(url: session.urls[0], events: ["CARD_FUNDED"])
            let windowStart = Timestamp.iso8601(clock.unixSeconds)
            for n in 1...2 { try await session.publish("card.funded", data: #"{"n":\#(n)}"#) }
            #expect(try await receiver.waitFor(count: 2))
            // Recorded before the clock jumps: a lease outlived by the clock would be released and tried again.
            #expect(try await Self.eventuallyFailed(2, client: client, token: tenant.token, endpointID: endpoint.id))
            clock.advance(by: 3_600)
            let windowEnd = Timestamp.iso8601(clock.unixSeconds)
            try await session.publish("card.funded", data: #"{"n":3}"#)
            #expect(try await receiver.waitFor(count: 3))
            #expect(try await Self.eventuallyFailed(3, client: client, token: tenant.token, endpointID: endpoint.id))

            receiver.answer(with: .status(200))
            let recovered = try await client.json(
                "/api/v3.20/webhooks/\(endpoint.id)/recover",
                method: .post,
                token: tenant.token,
                body: #"{"since":"\#(windowStart)","until":"\#(windowEnd)"}"#
            )
            #expect(recovered.status == .accepted, "\(recovered.raw)")
            #expect(recovered.data["queued"] as? Int == 2)
            #expect(try await receiver.waitFor(count: 5))
            try await Task.sleep(for: .milliseconds(300))
            let bodies = receiver.received.map { String(decoding: $0.body, as: UTF8.self) }
            #expect(bodies.count == 5, "the delivery after the window stays failed: \(bodies)")
            #expect(bodies.suffix(2).allSatisfy { !$0.contains(#""n":3"#) }, "\(bodies)")

            let stats = try await client.json(
                "/api/v3.20/webhooks/\(endpoint.id)/stats?hours=2",
                method: .get,
                token: tenant.token
            )
            let hours = try #require(stats.data["hours"] as? [[String: Any]], "\(stats.raw)")
            #expect(hours.count == 2)
            #expect(hours.compactMap { $0["failed"] as? Int }.reduce(0, +) == 3)
            #expect(hours.compactMap { $0["succeeded"] as? Int }.reduce(0, +) == 2)
        }
    }

    /// Waits until the endpoint's log lists `count` failed deliveries.
    static func eventuallyFailed(
        _ count: Int,
        client: any TestClientProtocol,
        token: String,
        endpointID: String
    ) async throws -> Bool {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let failed = try await client.json(
                "/api/v3.20/webhooks/\(endpointID)/deliveries?status=FAILED",
                method: .get,
                token: token
            )
            if (failed.object["pagination"] as? [String: Any])?["total"] as? Int == count { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    @Test(arguments: Backend.all) func aDeletedEndpointReceivesNothingMore(backend: Backend) async throws {
        let receiver = TestReceiver()
        try await V3_20Endpoints.withSession(on: backend, receivers: [receiver]) { session in
            let (client, tenant) = (session.client, session.tenant)
            let kept = try await session.create(
                url: session.urls[0],
                events: ["CARD_FUNDED"],
                extra: #","headers":{"X-Endpoint":"kept"}"#
            )
            let doomed = try await session.create(
                url: session.urls[0],
                events: ["CARD_FUNDED"],
                extra: #","headers":{"X-Endpoint":"doomed"}"#
            )
            let deleted = try await client.json(
                "/api/v3.20/webhooks/\(doomed.id)",
                method: .delete,
                token: tenant.token
            )
            #expect(deleted.status == .ok, "\(deleted.raw)")
            #expect(deleted.data["deleted"] as? Bool == true)
            #expect(deleted.data["webhookId"] as? String == doomed.id)
            #expect(try await V3_20Endpoints.show(client, token: tenant.token, id: doomed.id).status == .notFound)

            try await session.publish("card.funded")
            #expect(try await receiver.waitFor(count: 1))
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.received.map { $0.header("X-Endpoint") } == ["kept"])
            _ = try V3_20Endpoints.verify(
                try #require(receiver.received.first),
                secret: kept.secret,
                at: session.harness.clock
            )
        }
    }

    @Test func duringAnOverlapTheStandardWebhooksLibraryAcceptsEitherSecret() async throws {
        try await TestHarness.withRealTime { harness in
            try await StandardWebhooksPython.requireStandardWebhooks()
            let receiver = TestReceiver()
            try await receiver.withRunning { running in
                try await harness.withLiveServer { client in
                    let tenant = try await V3_20Endpoints.tenant(harness, client: client)
                    let endpoint = try await tenant.createEndpoint(client, url: running.url, events: ["CARD_FUNDED"])
                    let rotated = try await client.json(
                        "/api/v3.20/webhooks/\(endpoint.id)/secret/rotate",
                        method: .post,
                        token: tenant.token,
                        body: #"{"overlapSeconds":3600}"#
                    )
                    let newSecret = try #require(rotated.object["secret"] as? String, "\(rotated.raw)")
                    _ = try await harness.publish(appID: tenant.app.id, client: client)
                    #expect(try await receiver.waitFor(count: 1))
                    let delivery = StandardWebhooksPython.Delivery(try #require(receiver.received.first))
                    for secret in [endpoint.secret, newSecret] {
                        let results = try await StandardWebhooksPython.verifyInPython(
                            [delivery],
                            secret: secret,
                            in: harness.directory
                        )
                        #expect(results == ["valid"], "\(results)")
                    }
                    let stranger = WebhookSecret.generateForEndpoint().value
                    let refused = try await StandardWebhooksPython.verifyInPython(
                        [delivery],
                        secret: stranger,
                        in: harness.directory
                    )
                    #expect(refused.first?.hasPrefix("rejected") == true, "\(refused)")
                }
            }
        }
    }

    @Test func aSecretBroughtFromAnotherSenderVerifiesWithTheStandardWebhooksLibrary() async throws {
        try await TestHarness.withRealTime { harness in
            try await StandardWebhooksPython.requireStandardWebhooks()
            let receiver = TestReceiver()
            try await receiver.withRunning { running in
                let brought = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
                try await harness.withLiveServer { client in
                    let tenant = try await V3_20Endpoints.tenant(harness, client: client)
                    let endpoint = try await V3_20Endpoints.create(
                        client,
                        token: tenant.token,
                        url: running.url,
                        events: ["CARD_FUNDED"],
                        extra: #","secret":"\#(brought)""#
                    )
                    #expect(endpoint.secret == brought, "the secret brought is the one in force")
                    _ = try await harness.publish(appID: tenant.app.id, client: client)
                    #expect(try await receiver.waitFor(count: 1))
                    let delivery = StandardWebhooksPython.Delivery(try #require(receiver.received.first))
                    let results = try await StandardWebhooksPython.verifyInPython(
                        [delivery, delivery.with(body: #"{"tampered":true}"#)],
                        secret: brought,
                        in: harness.directory
                    )
                    #expect(results.first == "valid", "\(results)")
                    #expect(results.last?.hasPrefix("rejected") == true, "\(results)")
                }
            }
        }
    }
}
