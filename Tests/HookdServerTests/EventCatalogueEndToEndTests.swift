import Foundation
import HookdCore
import HookdServerTestSupport
import HookdVerify
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// The v3.20 catalogue over real sockets (SPEC §11.1): one publish, in either spelling, reaches the v3 URL under its
/// v3 name and the v3.20 endpoints under Fyatu's; the names hookd took before still work; `GET …/webhooks/events`;
/// the v3.20 endpoints' retry schedule.
@Suite struct EventCatalogueEndToEndTests {
    /// The `event` of a received body, and its `X-Fyatu-Event`.
    static func names(_ received: [TestReceiver.Received]) throws -> [(body: String, header: String)] {
        try received.map { request in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
            return (try #require(object["event"] as? String), try #require(request.header("X-Fyatu-Event")))
        }
    }

    @Test(arguments: Backend.all) func aPublishInEitherSpellingReachesEachEndpointUnderItsOwnName(
        backend: Backend
    ) async throws {
        let v3 = TestReceiver()
        let endpoint = TestReceiver()
        try await V3_20Endpoints.withSession(on: backend, receivers: [v3, endpoint]) { session in
            let configured = try await session.client.configure(session.urls[0], token: session.tenant.token)
            #expect(configured.status == .ok, "\(configured.raw)")
            let created = try await session.create(
                url: session.urls[1],
                events: ["TRANSACTION_AUTHORIZED", "CARD_ISSUED", "TRANSACTION_FEE"]
            )
            let shown = try await V3_20Endpoints.show(
                session.client,
                token: session.tenant.token,
                id: created.id
            )
            #expect(shown.data["events"] as? [String] == ["TRANSACTION_AUTHORIZED", "CARD_ISSUED", "TRANSACTION_FEE"])

            // The v3 spelling.
            try await session.publish("card.transaction.approved")
            try await session.publish("card.created")
            #expect(try await endpoint.waitFor(count: 2))
            #expect(try await v3.waitFor(count: 2))
            let endpointNames = try Self.names(endpoint.received)
            #expect(Set(endpointNames.map(\.body)) == ["TRANSACTION_AUTHORIZED", "CARD_ISSUED"])
            #expect(endpointNames.allSatisfy { $0.body == $0.header })
            for request in endpoint.received {
                let delivery = try V3_20Endpoints.verify(
                    request,
                    secret: created.secret,
                    at: session.harness.clock
                )
                #expect(delivery.schemes == [.fyatu, .standardWebhooks])
            }
            let v3Names = try Self.names(v3.received)
            #expect(Set(v3Names.map(\.body)) == ["card.transaction.approved", "card.created"])
            #expect(v3Names.allSatisfy { $0.body == $0.header })

            // The v3.20 spelling: the v3 URL gets the counterpart's dot name; a name without one goes to its
            // subscribers alone.
            try await session.publish("TRANSACTION_AUTHORIZED", data: #"{"n":2}"#)
            try await session.publish("TRANSACTION_FEE", data: #"{"n":3}"#)
            #expect(try await endpoint.waitFor(count: 4))
            #expect(try await v3.waitFor(count: 3))
            try await Task.sleep(for: .milliseconds(300))
            #expect(v3.received.count == 3, "TRANSACTION_FEE has no v3 name")
            #expect(try Self.names([v3.received[2]]).map(\.body) == ["card.transaction.approved"])
            #expect(
                try Self.names(Array(endpoint.received[2...])).map(\.body).sorted() == [
                    "TRANSACTION_AUTHORIZED", "TRANSACTION_FEE",
                ]
            )
            // The v3.20 log names the deliveries as the endpoint received them, and filters in either spelling.
            for filter in ["CARD_ISSUED", "card.created", "CARD_CREATED"] {
                let log = try await session.client.json(
                    "/api/v3.20/webhooks/\(created.id)/deliveries?event=\(filter)",
                    method: .get,
                    token: session.tenant.token
                )
                let items = try #require(log.object["data"] as? [[String: Any]], "\(log.raw)")
                #expect(items.map { $0["event"] as? String } == ["CARD_ISSUED"], "\(filter)")
            }
        }
    }

    /// Endpoints subscribed under the names hookd took before Fyatu's catalogue keep receiving, under Fyatu's names.
    @Test(arguments: Backend.all) func theOldUppercasedNamesStillSubscribeAndPublish(backend: Backend) async throws {
        let endpoint = TestReceiver()
        try await V3_20Endpoints.withSession(on: backend, receivers: [endpoint]) { session in
            let created = try await session.create(
                url: session.urls[0],
                events: ["CARD_CREATED", "CARD_TRANSACTION_APPROVED", "CARDHOLDER_KYC_PENDING", "CARD_FAILED"]
            )
            let shown = try await V3_20Endpoints.show(
                session.client,
                token: session.tenant.token,
                id: created.id
            )
            #expect(
                shown.data["events"] as? [String] == [
                    "CARD_ISSUED", "TRANSACTION_AUTHORIZED", "CARDHOLDER_KYC_SUBMITTED", "CARD_FAILED",
                ]
            )
            for event in ["CARD_CREATED", "card.failed", "CARDHOLDER_KYC_SUBMITTED"] {
                try await session.publish(event)
            }
            #expect(try await endpoint.waitFor(count: 3))
            #expect(
                Set(try Self.names(endpoint.received).map(\.body)) == [
                    "CARD_ISSUED", "CARD_FAILED", "CARDHOLDER_KYC_SUBMITTED",
                ]
            )
        }
    }

    @Test func theEventsRouteListsTheCatalogueOfTheAppsType() async throws {
        try await TestHarness.withDeliveries { harness in
            try await harness.withClient { client in
                let (issuing, issuingKey) = try await harness.createApp()
                let token = try await client.token(for: issuing, key: issuingKey)
                let listed = try await client.json("/api/v3.20/webhooks/events", method: .get, token: token)
                #expect(listed.status == .ok, "\(listed.raw)")
                #expect(listed.data["appType"] as? String == "issuing")
                let events = try #require(listed.data["events"] as? [[String: Any]])
                let byName = Dictionary(uniqueKeysWithValues: events.map { ($0["event"] as? String ?? "", $0) })
                #expect(events.count == byName.count)
                #expect(byName["CARD_ISSUED"]?["v3Event"] as? String == "card.created")
                #expect(byName["TRANSACTION_AUTHORIZED"]?["v3Event"] as? String == "card.transaction.approved")
                #expect(byName["TRANSACTION_FEE"]?["v3Event"] is NSNull)
                #expect(byName["CARD_ISSUED"]?["origin"] as? String == "FYATU")
                #expect(byName["CARD_FAILED"]?["origin"] as? String == "HOOKD")
                #expect(byName["CARD_CREATED"] == nil, "an old name is accepted, not listed")
                let fyatu = events.filter { $0["origin"] as? String == "FYATU" }.compactMap { $0["event"] as? String }
                #expect(fyatu == EventCatalogue.v320Events(for: .issuing).filter(\.isFyatu).map(\.name))
                // Every listed name can be subscribed to (20 at most per endpoint).
                let names = events.compactMap { $0["event"] as? String }
                for start in stride(from: 0, to: names.count, by: 20) {
                    let chunk = names[start..<min(start + 20, names.count)].map { #""\#($0)""# }.joined(separator: ",")
                    let created = try await client.json(
                        "/api/v3.20/webhooks",
                        method: .post,
                        token: token,
                        body: #"{"url":"https://hooks.example.com/\#(start)","events":[\#(chunk)]}"#
                    )
                    #expect(created.status == .created, "\(created.raw)")
                }

                let (collection, collectionKey) = try await harness.createApp(type: .collection)
                let collectionToken = try await client.token(for: collection, key: collectionKey)
                let other = try await client.json("/api/v3.20/webhooks/events", method: .get, token: collectionToken)
                let otherNames = (other.data["events"] as? [[String: Any]])?.compactMap { $0["event"] as? String }
                #expect(otherNames?.contains("COLLECTION_RECEIVED") == true)
                #expect(otherNames?.contains("CARD_ISSUED") == false)
                let refused = try await client.json(
                    "/api/v3.20/webhooks",
                    method: .post,
                    token: collectionToken,
                    body: #"{"url":"https://hooks.example.com/c","events":["TRANSACTION_AUTHORIZED"]}"#
                )
                #expect(refused.status != .created, "not an event of a collection app")
                for (app, event) in [(collection, "TRANSACTION_AUTHORIZED"), (issuing, "BILLING_INVOICE_OVERDUE")] {
                    let published = try await harness.publish(event, data: "{}", appID: app.id, client: client)
                    #expect(published.status.code / 100 == 4, "\(event): \(published.raw)")
                }
            }
        }
    }

    /// SPEC §11.1: a v3.20 endpoint's delivery goes at once, then after 5 min, 30 min, 2 h and 6 h, then fails.
    @Test(arguments: Backend.all) func aV320EndpointRetriesAfterFiveMinutesHalfAnHourTwoAndSixHours(
        backend: Backend
    ) async throws {
        let endpoint = TestReceiver(fallback: .status(500))
        try await V3_20Endpoints.withSession(on: backend, receivers: [endpoint]) { session in
            let (client, token, harness) = (session.client, session.tenant.token, session.harness)
            let created = try await session.create(url: session.urls[0], events: ["CARD_FUNDED"])
            try await session.publish("card.funded")
            @Sendable func delivery() async throws -> [String: Any] {
                let log = try await client.json(
                    "/api/v3.20/webhooks/\(created.id)/deliveries",
                    method: .get,
                    token: token
                )
                return try #require((log.object["data"] as? [[String: Any]])?.first, "\(log.raw)")
            }
            for (attempt, wait) in [(1, 0), (2, 300), (3, 1800), (4, 7200), (5, 21_600)] {
                if wait > 0 {
                    harness.clock.advance(by: TimeInterval(wait - 1))
                    try await Task.sleep(for: .milliseconds(150))
                    #expect(endpoint.received.count == attempt - 1, "not before the schedule says")
                    harness.clock.advance(by: 1)
                }
                #expect(try await endpoint.waitFor(count: attempt))
                // Recorded before the clock moves on, so the next attempt is due from this one.
                #expect(try await harness.eventually { try await delivery()["attempts"] as? Int == attempt })
            }
            #expect(try await delivery()["status"] as? String == "FAILED")
            harness.clock.advance(by: 86_400)
            try await Task.sleep(for: .milliseconds(200))
            #expect(endpoint.received.count == 5, "five attempts in all")
        }
    }
}
