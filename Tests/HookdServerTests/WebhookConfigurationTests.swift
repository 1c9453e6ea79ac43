import Foundation
import HookdCore
import HookdServerTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

@Suite struct WebhookConfigurationTests {
    @Test func anUnconfiguredAppShowsNullsAndNoSecret() async throws {
        try await TestHarness.withSignedIn { _, client, _, _, token in
            let response = try await client.json("/api/v3/webhooks", method: .get, token: token)
            #expect(response.status == .ok)
            #expect(response.message == "Webhook configuration retrieved successfully")
            #expect(
                response.raw.contains(
                    #""data":{"webhookUrl":null,"isConfigured":false,"hasWebhookSecret":false,"createdAt":null,"updatedAt":null}"#
                )
            )
        }
    }

    @Test func theFirstURLCreatesTheSecretAndShowsItOnce() async throws {
        try await TestHarness.withSignedIn { harness, client, app, _, token in
            let first = try await client.configure("https://hooks.example.com/fyatu", token: token)
            #expect(first.status == .ok)
            #expect(first.message == "Webhook configuration updated successfully")
            #expect(first.data["webhookUrl"] as? String == "https://hooks.example.com/fyatu")
            #expect(first.data["isConfigured"] as? Bool == true)
            #expect(first.data["hasWebhookSecret"] as? Bool == true)
            let secret = try #require(first.data["webhookSecret"] as? String)
            #expect(WebhookSecret.isWellFormed(secret))
            #expect(first.data["secretNote"] as? String == WebhookRoutes.secretNote)
            #expect(try await harness.storedSecret(appID: app.id) == secret)

            let second = try await client.configure("https://hooks.example.com/other", token: token)
            #expect(second.status == .ok)
            #expect(second.data["webhookSecret"] == nil)
            #expect(second.data["webhookUrl"] as? String == "https://hooks.example.com/other")
            #expect(try await harness.storedSecret(appID: app.id) == secret)

            let read = try await client.json("/api/v3/webhooks", method: .get, token: token)
            #expect(read.data["webhookSecret"] == nil)
            #expect(!read.raw.contains(secret))
            #expect(read.data["hasWebhookSecret"] as? Bool == true)
        }
    }

    @Test(arguments: [nil, ""] as [String?])
    func nullOrEmptyDisablesDeliveryAndKeepsTheSecret(value: String?) async throws {
        try await TestHarness.withSignedIn { harness, client, app, _, token in
            let secret = try #require(
                try await client.configure("https://hooks.example.com/a", token: token).data["webhookSecret"] as? String
            )
            let disabled = try await client.configure(value, token: token)
            #expect(disabled.status == .ok)
            #expect(disabled.raw.contains(#""webhookUrl":null,"isConfigured":false,"hasWebhookSecret":true"#))
            #expect(try await harness.storedSecret(appID: app.id) == secret)
            let enabledAgain = try await client.configure("https://hooks.example.com/b", token: token)
            #expect(enabledAgain.data["webhookSecret"] == nil, "re-enabling must not hand out the secret again")
        }
    }

    @Test func theEventCatalogueFollowsTheAppType() async throws {
        try await TestHarness.with { harness in
            let (issuing, issuingKey) = try await harness.createApp(type: .issuing)
            let (collection, collectionKey) = try await harness.createApp(type: .collection)
            try await harness.withClient { client in
                let issuingEvents = try await client.json(
                    "/api/v3/webhooks/events",
                    method: .get,
                    token: try await client.token(for: issuing, key: issuingKey)
                )
                #expect(issuingEvents.message == "Webhook events retrieved successfully")
                #expect(issuingEvents.data["appType"] as? String == "issuing")
                let names = (issuingEvents.data["events"] as? [[String: Any]] ?? []).compactMap {
                    $0["event"] as? String
                }
                #expect(names.count == 15)
                #expect(names.contains("card.transaction.approved") && names.contains("webhook.test"))
                #expect(!names.contains("payout.completed"))
                let collectionEvents = try await client.json(
                    "/api/v3/webhooks/events",
                    method: .get,
                    token: try await client.token(for: collection, key: collectionKey)
                )
                let collectionNames = (collectionEvents.data["events"] as? [[String: Any]] ?? []).compactMap {
                    $0["event"] as? String
                }
                #expect(
                    collectionNames == [
                        "collection.received", "collection.failed", "payout.completed", "payout.failed", "webhook.test",
                    ]
                )
                for event in collectionEvents.data["events"] as? [[String: Any]] ?? [] {
                    #expect((event["description"] as? String)?.isEmpty == false)
                }
            }
        }
    }

    @Test func theWebhookRoutesNeedAToken() async throws {
        try await TestHarness.withClient { _, client in
            for (path, method) in [
                ("/api/v3/webhooks", HTTPRequest.Method.get), ("/api/v3/webhooks", .put),
                ("/api/v3/webhooks/events", .get), ("/api/v3/webhooks/secret/regenerate", .post),
            ] {
                let response = try await client.json(path, method: method)
                #expect(response.status == .unauthorized)
                #expect(response.errorCode == "AUTH_TOKEN_MISSING")
            }
        }
    }

    @Test func httpTargetsNeedTheOperatorSwitch() async throws {
        let configure: (inout HookdServerConfiguration) -> Void = { $0.allowHTTPTargets = true }
        try await TestHarness.with(configure: configure) { harness async throws in
            var harness = harness
            let (app, key) = try await harness.createApp()
            try await harness.withClient { client in
                let token = try await client.token(for: app, key: key)
                #expect(try await client.configure("http://hooks.example.com/a", token: token).status == .ok)
            }
            harness.configuration.allowHTTPTargets = false
            try await harness.withClient { client in
                let token = try await client.token(for: app, key: key)
                let refused = try await client.configure("http://hooks.example.com/b", token: token)
                #expect(refused.errorCode == "WEBHOOK_HTTPS_REQUIRED")
            }
        }
    }

    @Test func privateTargetsNeedTheOperatorSwitch() async throws {
        let allowPrivate: (inout HookdServerConfiguration) -> Void = { $0.allowPrivateTargets = true }
        try await TestHarness.withSignedIn(configure: allowPrivate) { _, client, _, _, token async throws in
            #expect(try await client.configure("https://127.0.0.1:8443/a", token: token).status == .ok)
            #expect(try await client.configure("https://private.example.com/a", token: token).status == .ok)
        }
    }
}
