import Foundation
import HookdCore
import HookdServerTestSupport
import HookdStore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// `Idempotency-Key` on the two requests whose answer must not be lost: a regeneration (its secret) and a publish.
@Suite struct IdempotencyKeyTests {
    static func regenerate(
        _ client: any TestClientProtocol,
        token: String,
        key: String?
    ) async throws -> JSONResponse {
        var headers = HTTPFields()
        if let key { headers[IdempotencyKeyHeader.name] = key }
        return try await client.json(
            "/api/v3/webhooks/secret/regenerate",
            method: .post,
            token: token,
            headers: headers
        )
    }

    @Test func aRepeatedRegenerationGetsTheFirstAnswerAndChangesNothing() async throws {
        try await TestHarness.withSignedIn { harness, client, app, key, token in
            try await client.configure("https://hooks.example.com/a", token: token)
            let first = try await Self.regenerate(client, token: token, key: "rotate-2026-12-01")
            #expect(first.status == .ok)
            #expect(first.headers[IdempotencyKeyHeader.replayed] == nil)
            let secret = try #require(first.data["webhookSecret"] as? String)

            harness.clock.advance(by: 60)
            let repeated = try await Self.regenerate(client, token: token, key: "rotate-2026-12-01")
            #expect(repeated.status == .ok)
            #expect(repeated.headers[IdempotencyKeyHeader.replayed] == "true")
            #expect(repeated.data["webhookSecret"] as? String == secret, "the same secret, the lost answer given again")
            #expect(repeated.data["regeneratedAt"] as? String == first.data["regeneratedAt"] as? String)
            #expect(try await harness.storedSecret(appID: app.id) == secret, "still the one in force")
            #expect(
                try await harness.store.secretAuditRecords(appID: app.id).map(\.action) == [.created, .regenerated]
            )

            let other = try await Self.regenerate(client, token: token, key: "rotate-2026-12-02")
            let otherSecret = try #require(other.data["webhookSecret"] as? String)
            #expect(otherSecret != secret)

            harness.clock.advance(by: 86_400)
            let expired = try await Self.regenerate(client, token: token, key: "rotate-2026-12-01")
            #expect(expired.headers[IdempotencyKeyHeader.replayed] == nil, "a key older than 24 hours is new again")
            #expect(expired.data["webhookSecret"] as? String != secret)
        }
    }

    @Test(arguments: ["", String(repeating: "k", count: 256), "has space", "caf\u{e9}"])
    func aMalformedKeyIsRefusedAndChangesNothing(key: String) async throws {
        try await TestHarness.with { harness in
            let (app, appKey) = try await harness.createApp()
            try await harness.withClient { client in
                let token = try await client.token(for: app, key: appKey)
                let secret = try #require(
                    try await client.configure("https://hooks.example.com/a", token: token).data["webhookSecret"]
                        as? String
                )
                let refused = try await Self.regenerate(client, token: token, key: key)
                #expect(refused.status == .badRequest)
                #expect(refused.errorCode == "VALIDATION_ERROR")
                #expect((refused.error["fields"] as? [[String: Any]])?.first?["field"] as? String == "Idempotency-Key")
                #expect(try await harness.storedSecret(appID: app.id) == secret)
            }
        }
    }

    @Test func aPublishWithAKeyIsStoredOnceWithOneEventId() async throws {
        try await TestHarness.withSignedIn { harness, client, app, key, token in
            func publish(key: String, eventID: String? = nil) async throws -> JSONResponse {
                let id = eventID.map { #","eventId":"\#($0)""# } ?? ""
                return try await client.json(
                    "/api/v3/internal/events",
                    method: .post,
                    token: harness.operatorKey,
                    headers: [IdempotencyKeyHeader.name: key],
                    body: #"{"appId":"\#(app.id)","event":"card.created","data":{"n":1}\#(id)}"#
                )
            }
            let first = try await publish(key: "order-1")
            let again = try await publish(key: "order-1")
            let other = try await publish(key: "order-2")
            #expect(first.status == .accepted && again.status == .accepted)
            let eventID = try #require(first.data["eventId"] as? String)
            #expect(again.data["eventId"] as? String == eventID)
            #expect(other.data["eventId"] as? String != eventID)
            #expect(Identifiers.normalizedEventID(eventID)?.rawValue == eventID, "a lowercase UUID like every eventId")
            let explicit = "3a1f0c2e-8d4b-4c6f-9a3e-2b7d1e0f4c88"
            #expect(try await publish(key: "order-1", eventID: explicit).data["eventId"] as? String == explicit)
            let log = try await client.json("/api/v3/webhooks/deliveries", method: .get, token: token)
            #expect((log.object["pagination"] as? [String: Any])?["total"] as? Int == 3)
        }
    }
}
