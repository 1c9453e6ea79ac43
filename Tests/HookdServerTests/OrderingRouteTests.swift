import Foundation
import HookdCore
import HookdServerTestSupport
import HookdStore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// The routes of ordered delivery (SPEC §15): `ordering` on a v3.20 endpoint, `orderingKey` on a publish, and a keyed
/// delivery waiting behind an earlier one of its key as the log shows it.
@Suite struct OrderingRouteTests {
    /// The log's deliveries of the app the token is for, oldest first.
    static func log(_ client: some TestClientProtocol, token: String) async throws -> [[String: Any]] {
        let log = try await client.json("/api/v3/webhooks/deliveries", method: .get, token: token)
        let items = try #require(log.object["data"] as? [[String: Any]], "\(log.raw)")
        return items.sorted { ($0["createdAt"] as? String ?? "") < ($1["createdAt"] as? String ?? "") }
    }

    @Test func aKeyOfTheLongestLengthOrdersAndSwitchingToNoneLetsTheWaitingGo() async throws {
        try await TestHarness.withClient { harness, client in
            let (app, key) = try await harness.createApp(type: .issuing)
            let token = try await client.token(for: app, key: key)
            let endpoint = try await V3_20Endpoints.create(
                client,
                token: token,
                url: "https://hooks.example.com/in",
                events: ["CARD_FUNDED"],
                extra: #","ordering":"KEYED""#
            )
            let shown = try await client.json("/api/v3.20/webhooks/\(endpoint.id)", method: .get, token: token)
            #expect(shown.data["ordering"] as? String == "KEYED", "\(shown.raw)")

            // The longest key there is: 128 printable ASCII characters.
            let orderingKey = String(repeating: "k", count: 127) + "~"
            for n in 1...2 {
                harness.clock.advance(by: 1)
                let published = try await client.json(
                    "/api/v3/internal/events",
                    method: .post,
                    token: harness.operatorKey,
                    body:
                        #"{"appId":"\#(app.id)","event":"card.funded","data":{"n":\#(n)},"orderingKey":"\#(orderingKey)"}"#
                )
                #expect(published.status == .accepted, "\(published.raw)")
            }
            var log = try await Self.log(client, token: token)
            #expect(log.count == 2)
            #expect(log.allSatisfy { $0["orderingKey"] as? String == orderingKey })
            #expect(log.first?["nextAttemptAt"] is String, "the first is due")
            #expect(log.last?["nextAttemptAt"] is NSNull, "the second waits for the first")
            #expect(log.last?["status"] as? String == "PENDING")

            let patched = try await client.json(
                "/api/v3.20/webhooks/\(endpoint.id)",
                method: .patch,
                token: token,
                body: #"{"ordering":"NONE"}"#
            )
            #expect(patched.data["ordering"] as? String == "NONE", "\(patched.raw)")
            log = try await Self.log(client, token: token)
            #expect(log.allSatisfy { $0["nextAttemptAt"] is String }, "both are due once order is not kept")
            #expect(log.allSatisfy { $0["orderingKey"] is NSNull }, "and neither is in a line any more")
        }
    }

    @Test func theV3URLKeepsNoOrder() async throws {
        try await TestHarness.withClient { harness, client in
            let (app, key) = try await harness.createApp(type: .issuing)
            let token = try await client.token(for: app, key: key)
            var request = try await client.json(
                "/api/v3/webhooks",
                method: .put,
                token: token,
                body: #"{"webhookUrl":"https://hooks.example.com/v3"}"#
            )
            #expect(request.status == .ok, "\(request.raw)")
            let id = Identifiers.v3WebhookID(appID: app.id).rawValue
            request = try await client.json(
                "/api/v3.20/webhooks/\(id)",
                method: .patch,
                token: token,
                body: #"{"ordering":"KEYED"}"#
            )
            #expect(request.status == .unprocessableContent, "\(request.raw)")
            #expect(request.errorCode == "VALIDATION_ERROR")
        }
    }
}
