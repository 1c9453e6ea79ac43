import Foundation
import HookdServerTestSupport
import HookdTestSupport
import Testing

/// Ordered delivery (SPEC §15) across nodes: an API node takes the publishes, two workers claim from the shared
/// queue, and each key's events still reach the KEYED endpoint in publish order.
extension MultiNodeTests {
    static let orderingKeys = 20
    static let eventsPerOrderingKey = 25

    @Test(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set (CI sets it)"))
    func twoWorkersKeepTheOrderOfEachKey() async throws {
        try await Cluster.with(reply: .delayed(.milliseconds(5), .status(200))) { cluster in
            let api = try await cluster.startNode(role: "api")
            let token = try await LiveHTTP.token(base: api.base, appID: cluster.appID, secretKey: cluster.secretKey)
            let created = try await LiveHTTP.send(
                LiveHTTP.request(
                    api.base + "/api/v3.20/webhooks",
                    json: #"{"url":"\#(cluster.receiverURL)","events":["CARD_FUNDED"],"ordering":"KEYED"}"#,
                    bearer: token
                )
            )
            #expect(created.status == 201, "\(created.body)")

            // A backlog, published while only the API node runs (it sends nothing): each key's events one after the
            // other, the keys side by side. Then both workers start and take it at once.
            let keyed = (0..<Self.orderingKeys).map { _ in
                (0..<Self.eventsPerOrderingKey).map { _ in UUID().uuidString.lowercased() }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (key, eventIDs) in keyed.enumerated() {
                    group.addTask {
                        for eventID in eventIDs {
                            let published = try await LiveHTTP.send(
                                LiveHTTP.request(
                                    api.base + "/api/v3/internal/events",
                                    json: #"{"appId":"\#(cluster.appID)","event":"card.funded","data":{},"#
                                        + #""eventId":"\#(eventID)","orderingKey":"key-\#(key)"}"#,
                                    bearer: cluster.operatorKey
                                )
                            )
                            #expect(published.status == 202, "\(published.body)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            for _ in 0..<2 { _ = try await cluster.startNode(role: "worker") }

            let expected = Set(keyed.joined())
            let deadline = Date().addingTimeInterval(120)
            var firstArrival: [String: Int] = [:]
            while Date() < deadline {
                firstArrival = [:]
                for (position, request) in cluster.receiver.received.enumerated() {
                    if let id = request.header("webhook-id"), firstArrival[id] == nil { firstArrival[id] = position }
                }
                if expected.isSubset(of: firstArrival.keys) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            for (key, eventIDs) in keyed.enumerated() {
                let order = eventIDs.compactMap { firstArrival[$0] }
                #expect(order.count == eventIDs.count, "key \(key): \(eventIDs.count - order.count) never arrived")
                #expect(order == order.sorted(), "key \(key): arrived out of publish order")
            }
        }
    }
}
