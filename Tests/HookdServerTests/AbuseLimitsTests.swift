import Foundation
import HookdCore
import HookdServerTestSupport
import HookdStore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// What one tenant, or one client guessing credentials, can ask of the server (held in the store, per app).
@Suite struct AbuseLimitsTests {
    /// A new app with a token.
    static func tokenFor(_ harness: TestHarness, _ client: any TestClientProtocol) async throws -> (App, String) {
        let (app, key) = try await harness.createApp()
        return (app, try await client.token(for: app, key: key))
    }

    @Test func webhookUpdatesAreLimitedPerAppAndARefusedOneChangesNothing() async throws {
        let configure: (inout HookdServerConfiguration) -> Void = { $0.limits.webhookUpdatesPerMinute = 2 }
        try await TestHarness.withClient(configure: configure) { harness, client in
            let (app, token) = try await Self.tokenFor(harness, client)
            #expect(try await client.configure("https://hooks.example.com/1", token: token).status == .ok)
            #expect(try await client.configure("https://hooks.example.com/2", token: token).status == .ok)
            let refused = try await client.configure("https://hooks.example.com/3", token: token)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.errorCode == "RATE_LIMIT_EXCEEDED")
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(try await harness.store.webhookConfiguration(appID: app.id)?.url == "https://hooks.example.com/2")

            let (_, other) = try await Self.tokenFor(harness, client)
            #expect(try await client.configure("https://hooks.example.com/x", token: other).status == .ok, "per app")
            harness.clock.advance(by: 30)
            #expect(try await client.configure("https://hooks.example.com/4", token: token).status == .ok, "refills")
        }
    }

    @Test func enablingAnEndpointCountsAsAChangeOfIt() async throws {
        let configure: (inout HookdServerConfiguration) -> Void = { $0.limits.webhookUpdatesPerMinute = 3 }
        try await TestHarness.withClient(configure: configure) { harness, client in
            let (_, token) = try await Self.tokenFor(harness, client)
            let endpoint = try await V3_20Endpoints.create(
                client,
                token: token,
                url: "https://hooks.example.com/e",
                events: ["CARD_FUNDED"]
            )
            let enable = {
                try await client.json(
                    "/api/v3.20/webhooks/\(endpoint.id)/enable",
                    method: .post,
                    token: token,
                    body: "{}"
                )
            }
            #expect(try await enable().status == .ok)
            #expect(try await enable().status == .ok)
            let refused = try await enable()
            #expect(refused.status == .tooManyRequests, "the creation and two enables spent the three a minute")
            #expect(refused.errorCode == "RATE_LIMIT_EXCEEDED")
        }
    }

    @Test func manualRetriesAreLimitedPerAppPerMinuteAndPerDeliveryInAll() async throws {
        let configure: (inout HookdServerConfiguration) -> Void = {
            $0.limits.retriesPerMinute = 3
            $0.limits.manualRetriesPerDelivery = 2
        }
        try await TestHarness.withClient(configure: configure) { harness, client in
            let (app, token) = try await Self.tokenFor(harness, client)
            var ids: [String] = []
            for _ in 0..<2 {
                let published = try await harness.publish("card.created", data: "{}", appID: app.id, client: client)
                #expect(published.status == .accepted)
            }
            let log = try await client.json("/api/v3/webhooks/deliveries", method: .get, token: token)
            ids = try #require(log.object["data"] as? [[String: Any]]).compactMap { $0["deliveryId"] as? String }
            let path = "/api/v3/webhooks/deliveries/\(ids[0])/retry"

            #expect(try await client.json(path, method: .post, token: token).status == .accepted)
            #expect(try await client.json(path, method: .post, token: token).status == .accepted)
            let exhausted = try await client.json(path, method: .post, token: token)
            #expect(exhausted.status == .conflict, "\(exhausted.raw)")
            #expect(exhausted.errorCode == "DELIVERY_RETRY_LIMIT_REACHED")

            let limited = try await client.json(
                "/api/v3/webhooks/deliveries/\(ids[1])/retry",
                method: .post,
                token: token
            )
            #expect(limited.errorCode == "RATE_LIMIT_EXCEEDED", "three retries a minute, whatever the delivery")
            #expect(limited.headers[.retryAfter] != nil)
        }
    }

    @Test func failedTokenRequestsAreLimitedPerAppIdAndSuccessesAreNotCounted() async throws {
        let configure: (inout HookdServerConfiguration) -> Void = {
            $0.limits.loginFailuresPerApp = 3
            $0.limits.loginFailuresPerAddress = 1000
        }
        try await TestHarness.withClient(configure: configure) { harness, client in
            let (app, key) = try await harness.createApp()
            for _ in 0..<10 {
                _ = try await client.token(for: app, key: key)
            }
            let wrong = AppSecretKey.generate()
            for _ in 0..<3 {
                let refused = try await Self.requestToken(client, appID: app.id, secretKey: wrong.value)
                #expect(refused.errorCode == "AUTH_INVALID_CREDENTIALS")
            }
            let blocked = try await Self.requestToken(client, appID: app.id, secretKey: key.value)
            #expect(blocked.status == .tooManyRequests, "refused before the key is even checked")
            #expect(blocked.headers[.retryAfter] != nil)

            let (other, otherKey) = try await harness.createApp()
            #expect(try await Self.requestToken(client, appID: other.id, secretKey: otherKey.value).status == .ok)
            harness.clock.advance(by: 20)
            #expect(try await Self.requestToken(client, appID: app.id, secretKey: key.value).status == .ok)
        }
    }

    @Test func failedTokenRequestsAreLimitedPerClientAddressWhateverTheAppId() async throws {
        let configure: (inout HookdServerConfiguration) -> Void = {
            $0.limits.loginFailuresPerApp = 1000
            $0.limits.loginFailuresPerAddress = 4
        }
        try await TestHarness.with(configure: configure) { harness in
            try await harness.withLiveServer { client in
                for _ in 0..<4 {
                    let unknownApp = Identifiers.appID()
                    let refused = try await Self.requestToken(client, appID: unknownApp, secretKey: "sk_guess")
                    #expect(refused.errorCode == "AUTH_INVALID_CREDENTIALS")
                }
                let (app, key) = try await harness.createApp()
                let blocked = try await Self.requestToken(client, appID: app.id, secretKey: key.value)
                #expect(blocked.status == .tooManyRequests, "127.0.0.1 has used up its failures: \(blocked.raw)")
            }
        }
    }

    @Test func aClientIsNotLockedOutOfItsAppByGuessesFromAnotherAddress() async throws {
        let configure: (inout HookdServerConfiguration) -> Void = { $0.limits.loginFailuresPerApp = 2 }
        try await TestHarness.with(configure: configure) { harness in
            let (app, key) = try await harness.createApp()
            try await harness.withLiveServer { client in
                let port = try #require(client.port)
                func post(_ secretKey: String, from source: String) async throws -> String {
                    let body = #"{"appId":"\#(app.id)","secretKey":"\#(secretKey)","grantType":"client_credentials"}"#
                    let raw = try await RawClient.connect(port: port, from: source)
                    try await raw.send(
                        "POST /api/v3/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
                    )
                    _ = try await raw.waitUntilClosed()
                    return raw.received
                }
                for _ in 0..<3 {
                    _ = try await post("sk_guess", from: "127.0.0.2")
                }
                #expect(
                    try await post(key.value, from: "127.0.0.2").hasPrefix("HTTP/1.1 429"),
                    "the guesser is held back"
                )
                let own = try await post(key.value, from: "127.0.0.1")
                #expect(own.hasPrefix("HTTP/1.1 200"), "the app's own client is not: \(own)")
            }
        }
    }

    static func requestToken(
        _ client: any TestClientProtocol,
        appID: AppID,
        secretKey: String
    ) async throws -> JSONResponse {
        try await client.json(
            "/api/v3/auth/token",
            method: .post,
            body: #"{"appId":"\#(appID)","secretKey":"\#(secretKey)","grantType":"client_credentials"}"#
        )
    }
}
