import Foundation
import HTTPTypes
import HookdCore
import HookdServerTestSupport
import HookdStore
import HookdTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// What one app's reads and recoveries may cost (issue 21): the delivery log by cursor, the offset's cap, the reads
/// per minute and the recovery's limit per call, on every backend.
@Suite struct BoundedReadRouteTests {
    /// Publishes `count` events of `app` (`card.funded`), a second apart on the harness's clock.
    static func publish(_ count: Int, app: App, client: any TestClientProtocol, harness: TestHarness) async throws {
        for index in 0..<count {
            harness.clock.advance(by: 1)
            let published = try await harness.publish(data: #"{"i":\#(index)}"#, appID: app.id, client: client)
            #expect(published.status == .accepted, "\(published.raw)")
        }
    }

    @Test(arguments: Backend.all)
    func aCursorWalkMeetsEveryDeliveryOnceWhileNewOnesArrive(backend: Backend) async throws {
        let configure: (inout HookdServerConfiguration) -> Void = { configuration in configuration.role = .api }
        try await TestHarness.withDeliveries(on: backend, configure: configure) {
            harness in
            try await harness.withSignedIn { client, app, _, token in
                try await Self.publish(25, app: app, client: client, harness: harness)
                let before = Set(
                    try await harness.store.deliveries(appID: app.id, status: nil, event: nil, limit: 100, offset: 0)
                        .items
                        .map(\.id.rawValue)
                )
                var seen: [String] = []
                var cursor: String?
                var pages = 0
                repeat {
                    let page = try await client.json(
                        "/api/v3/webhooks/deliveries?limit=10" + (cursor.map { "&cursor=\($0)" } ?? ""),
                        method: .get,
                        token: token
                    )
                    #expect(page.status == .ok, "\(page.raw)")
                    let pagination = try #require(page.object["pagination"] as? [String: Any])
                    if pages == 0 {
                        #expect(pagination["total"] as? Int == 25, "the first page counts")
                    } else {
                        #expect(pagination["total"] is NSNull, "a page read by cursor does not count the log")
                    }
                    seen += try #require(page.object["data"] as? [[String: Any]]).compactMap {
                        $0["deliveryId"] as? String
                    }
                    cursor = pagination["nextCursor"] as? String
                    #expect((cursor != nil) == (pagination["hasMore"] as? Bool == true), "\(pagination)")
                    pages += 1
                    // New deliveries arrive while the walk goes on.
                    try await Self.publish(2, app: app, client: client, harness: harness)
                } while cursor != nil && pages < 10
                #expect(pages == 3)
                #expect(seen.count == Set(seen).count, "no delivery twice: \(seen)")
                #expect(Set(seen) == before, "every delivery that was there when the walk began")
            }
        }
    }

    @Test func anOffsetPastItsCapAndAForeignCursorAreValidationErrors() async throws {
        try await TestHarness.withSignedIn { _, client, _, _, token in
            let atTheCap = try await client.json("/api/v3/webhooks/deliveries?offset=10000", method: .get, token: token)
            #expect(atTheCap.status == .ok, "\(atTheCap.raw)")
            let cursor = LogCursor.encode(DeliveryCursor(createdAt: UnixMillis(1_700_000_000_000), sequence: 7))
            for (query, field, message) in [
                ("offset=10001", "offset", "must be a whole number from 0 to 10000; page further with cursor"),
                ("cursor=c1xyz", "cursor", "must be a nextCursor this API handed out"),
                ("cursor=\(cursor)&offset=20", "offset", "must not be given with cursor"),
            ] {
                let refused = try await client.json("/api/v3/webhooks/deliveries?\(query)", method: .get, token: token)
                #expect(refused.status == .badRequest, "\(query): \(refused.raw)")
                #expect(refused.errorCode == "VALIDATION_ERROR")
                let fields = refused.error["fields"] as? [[String: Any]]
                #expect(fields?.first?["field"] as? String == field, "\(query): \(refused.raw)")
                #expect(fields?.first?["message"] as? String == message, "\(query): \(refused.raw)")
            }
            let endpoints = try await client.json("/api/v3.20/webhooks?offset=10001", method: .get, token: token)
            #expect(endpoints.status == .unprocessableContent || endpoints.status == .badRequest, "\(endpoints.raw)")
        }
    }

    @Test(arguments: Backend.all)
    func readsPastTheLimitAreRefusedWithRetryAfterForThatAppOnly(backend: Backend) async throws {
        let configure: (inout HookdServerConfiguration) -> Void = { configuration in
            configuration.role = .api
            configuration.limits.readsPerMinute = 3
        }
        try await TestHarness.withDeliveries(
            on: backend,
            configure: configure
        ) { harness in
            let (app, key) = try await harness.createApp()
            let (other, otherKey) = try await harness.createApp()
            try await harness.withClient { client in
                let token = try await client.token(for: app, key: key)
                for path in ["/api/v3/webhooks/deliveries", "/api/v3/webhooks", "/api/v3.20/webhooks"] {
                    let read = try await client.json(path, method: .get, token: token)
                    #expect(read.status == .ok, "\(path): \(read.raw)")
                }
                // The fourth read in the minute, on any read route of either version.
                for path in ["/api/v3/webhooks/deliveries", "/api/v3.20/webhooks"] {
                    let refused = try await client.json(path, method: .get, token: token)
                    #expect(refused.status == .tooManyRequests, "\(path): \(refused.raw)")
                    #expect(refused.errorCode == "RATE_LIMIT_EXCEEDED")
                    let retryAfter = try #require(refused.headers[HTTPField.Name("Retry-After")!].flatMap { Int($0) })
                    #expect((1...20).contains(retryAfter), "one read comes back every 20 s: \(retryAfter)")
                }
                // Writes are not reads, and another app's reads are its own.
                let write = try await client.configure(nil, token: token)
                #expect(write.status == .ok, "\(write.raw)")
                let otherToken = try await client.token(for: other, key: otherKey)
                let otherRead = try await client.json("/api/v3/webhooks/deliveries", method: .get, token: otherToken)
                #expect(otherRead.status == .ok, "\(otherRead.raw)")
                // A minute later the app reads again.
                harness.clock.advance(by: 60)
                let again = try await client.json("/api/v3/webhooks/deliveries", method: .get, token: token)
                #expect(again.status == .ok, "\(again.raw)")
            }
        }
    }

    @Test(arguments: Backend.all)
    func recoverStopsAtItsLimitSaysMoreRemainAndSparesExhaustedDeliveries(backend: Backend) async throws {
        // No dispatcher (the API alone): the test fails the deliveries itself, and nothing is sent anywhere.
        let configure: (inout HookdServerConfiguration) -> Void = { configuration in
            configuration.role = .api
            configuration.limits.recoveriesPerCall = 2
            configuration.limits.manualRetriesPerDelivery = 1
        }
        try await TestHarness.withDeliveries(
            on: backend,
            configure: configure
        ) { harness in
            try await harness.withSignedIn { client, app, _, token in
                let created = try await client.json(
                    "/api/v3.20/webhooks",
                    method: .post,
                    token: token,
                    body: #"{"url":"http://127.0.0.1:9/in","events":["CARD_FUNDED"]}"#
                )
                let endpointID = try #require(created.data["webhookId"] as? String, "\(created.raw)")
                let since = Timestamp.iso8601(harness.clock.unixSeconds)
                try await Self.publish(4, app: app, client: client, harness: harness)
                #expect(try await LogSeed.failEverythingDue(harness.store, at: harness.clock.unixMillis) == 4)
                // One delivery is retried by hand (its one manual retry) and fails again.
                let log = try await harness.storedDeliveries(of: app.id, status: .failed)
                let exhausted = try #require(log.items.first?.id)
                let retried = try await client.json(
                    "/api/v3/webhooks/deliveries/\(exhausted)/retry",
                    method: .post,
                    token: token
                )
                #expect(retried.status == .accepted, "\(retried.raw)")
                #expect(try await LogSeed.failEverythingDue(harness.store, at: harness.clock.unixMillis) == 1)
                harness.clock.advance(by: 1)

                func recover() async throws -> (queued: Int?, hasMore: Bool?) {
                    let answer = try await client.json(
                        "/api/v3.20/webhooks/\(endpointID)/recover",
                        method: .post,
                        token: token,
                        body: #"{"since":"\#(since)"}"#
                    )
                    #expect(answer.status == .accepted, "\(answer.raw)")
                    return (answer.data["queued"] as? Int, answer.data["hasMore"] as? Bool)
                }
                let first = try await recover()
                #expect(first.queued == 2 && first.hasMore == true, "\(first)")
                let second = try await recover()
                #expect(second.queued == 1 && second.hasMore == false, "the rest, but not the exhausted one: \(second)")
                let third = try await recover()
                #expect(third.queued == 0 && third.hasMore == false, "\(third)")
                #expect(try await harness.store.delivery(appID: app.id, id: exhausted)?.summary.status == .failed)
            }
        }
    }
}
