import Foundation
import HookdCore
import HookdServerTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// The delivery log: pagination, filters, detail, retry, and tenant isolation. No deliveries are sent here
/// (no URL is configured, so everything stays pending).
@Suite struct DeliveryLogRouteTests {
    @Test func theLogPaginatesNewestFirstAndFilters() async throws {
        try await TestHarness.withSignedIn { harness, client, app, _, token in
            var eventIDs: [String] = []
            for index in 0..<25 {
                harness.clock.advance(by: 1)
                let event = index % 5 == 0 ? "card.frozen" : "card.created"
                let published = try await harness.publish(
                    event,
                    data: #"{"i":\#(index)}"#,
                    appID: app.id,
                    client: client
                )
                eventIDs.append(try #require(published.data["eventId"] as? String))
            }
            let first = try await client.json("/api/v3/webhooks/deliveries", method: .get, token: token)
            #expect(first.message == "Deliveries retrieved successfully")
            let page = try #require(first.object["data"] as? [[String: Any]])
            #expect(page.count == 20)
            #expect(page.first?["eventId"] as? String == eventIDs.last, "newest first")
            #expect(
                first.raw.contains(#""pagination":{"total":25,"limit":20,"offset":0,"hasMore":true,"nextCursor":"c1"#)
            )
            let second = try await client.json(
                "/api/v3/webhooks/deliveries?limit=20&offset=20",
                method: .get,
                token: token
            )
            #expect((second.object["data"] as? [[String: Any]])?.count == 5)
            #expect((second.object["pagination"] as? [String: Any])?["hasMore"] as? Bool == false)
            let frozen = try await client.json(
                "/api/v3/webhooks/deliveries?event=card.frozen&status=PENDING",
                method: .get,
                token: token
            )
            #expect((frozen.object["pagination"] as? [String: Any])?["total"] as? Int == 5)
            let none = try await client.json("/api/v3/webhooks/deliveries?status=SUCCEEDED", method: .get, token: token)
            #expect((none.object["data"] as? [Any])?.isEmpty == true)
            let entry = try #require(page.first)
            #expect(
                Set(entry.keys) == [
                    "deliveryId", "webhookId", "eventId", "event", "status", "attempts", "lastAttemptAt",
                    "nextAttemptAt", "lastHttpStatus", "isTest", "createdAt", "orderingKey",
                ]
            )
            #expect(first.raw.contains(#"{"deliveryId":"dlv_"#))
        }
    }

    @Test(arguments: [
        "status=DONE", "limit=0", "limit=101", "limit=x", "offset=-1", "offset=10001", "cursor=c1",
        "eventId=" + String(repeating: "e", count: 129), "webhookId=" + String(repeating: "W", count: 129),
    ])
    func badQueryValuesAreValidationErrors(query: String) async throws {
        try await TestHarness.withSignedIn { _, client, _, _, token in
            let response = try await client.json("/api/v3/webhooks/deliveries?\(query)", method: .get, token: token)
            #expect(response.errorCode == "VALIDATION_ERROR")
            let field = String(query.prefix { $0 != "=" })
            #expect((response.error["fields"] as? [[String: Any]])?.first?["field"] as? String == field)
        }
    }

    @Test func detailShowsTheDataAndAnotherAppsDeliveryIsNotFound() async throws {
        try await TestHarness.with { harness in
            let (app, key) = try await harness.createApp()
            let (other, otherKey) = try await harness.createApp()
            try await harness.withClient { client in
                let token = try await client.token(for: app, key: key)
                let otherToken = try await client.token(for: other, key: otherKey)
                _ = try await harness.publish(
                    "card.created",
                    data: #"{"cardId":"c_1","n":[1,2.50]}"#,
                    appID: app.id,
                    client: client
                )
                let id = try await client.onlyDeliveryID(token: token)
                let detail = try await client.json("/api/v3/webhooks/deliveries/\(id)", method: .get, token: token)
                #expect(detail.message == "Delivery retrieved successfully")
                #expect(detail.raw.contains(#""data":{"cardId":"c_1","n":[1,2.50]},"attemptHistory":[]"#))
                for path in [
                    "/api/v3/webhooks/deliveries/\(id)", "/api/v3/webhooks/deliveries/dlv_000000000000000000000000",
                ] {
                    let hidden = try await client.json(path, method: .get, token: otherToken)
                    #expect(hidden.status == .notFound)
                    #expect(hidden.errorCode == "RESOURCE_NOT_FOUND")
                }
                let retryOther = try await client.json(
                    "/api/v3/webhooks/deliveries/\(id)/retry",
                    method: .post,
                    token: otherToken
                )
                #expect(retryOther.errorCode == "RESOURCE_NOT_FOUND")
                let otherLog = try await client.json("/api/v3/webhooks/deliveries", method: .get, token: otherToken)
                #expect((otherLog.object["pagination"] as? [String: Any])?["total"] as? Int == 0)
            }
        }
    }
}
