import Foundation
import HookdCore
import HookdServerTestSupport
import HookdStore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

@Suite struct RegenerateSecretTests {
    @Test func theResponseIsExactlyTheSeedsShape() async throws {
        try await TestHarness.withSignedIn { harness, client, _, _, token in
            try await client.configure("https://hooks.example.com/a", token: token)
            let response = try await client.json("/api/v3/webhooks/secret/regenerate", method: .post, token: token)
            #expect(response.status == .ok)
            let secret = try #require(response.data["webhookSecret"] as? String)
            #expect(secret.wholeMatch(of: /whsec_[a-z0-9]{32}/) != nil)
            let now = Timestamp.iso8601(harness.clock.unixSeconds)
            let requestID = try #require(response.headers[.requestID])
            let expected =
                #"{"success":true,"status":200,"message":"Webhook secret regenerated successfully","data":{"webhookSecret":"\#(secret)","regeneratedAt":"\#(now)","note":"Store this secret securely. It will not be shown again. Update your webhook handler with this new secret."},"meta":{"requestId":"\#(requestID)","timestamp":"\#(now)"}}"#
            #expect(response.raw == expected)
            #expect(response.headers[.contentType] == "application/json")
        }
    }

    @Test func theOldSecretIsDeadAtCommitAndTheChangeIsAudited() async throws {
        try await TestHarness.withSignedIn { harness, client, app, _, token in
            let first = try #require(
                try await client.configure("https://hooks.example.com/a", token: token).data["webhookSecret"] as? String
            )
            let versionBefore = try #require(try await harness.store.webhookConfiguration(appID: app.id)).secretVersion
            let response = try await client.json(
                "/api/v3/webhooks/secret/regenerate",
                method: .post,
                token: token,
                body: #"{"ignored":true}"#
            )
            #expect(response.status == .ok, "a body sent to regenerate is ignored")
            let second = try #require(response.data["webhookSecret"] as? String)
            #expect(second != first)
            #expect(try await harness.storedSecret(appID: app.id) == second)
            let endpoint = try #require(try await harness.store.webhookConfiguration(appID: app.id))
            #expect(endpoint.secretVersion == versionBefore + 1)

            let audit = try await harness.store.secretAuditRecords(appID: app.id)
            #expect(audit.map(\.action) == [.created, .regenerated])
            let last = try #require(audit.last)
            #expect(last.fingerprint == WebhookSecret(second)?.fingerprint)
            #expect(last.requestID.rawValue == response.headers[.requestID])
            #expect(last.at == harness.clock.unixSeconds)
            #expect(last.secretVersion == endpoint.secretVersion)
            #expect(!last.fingerprint.contains(second) && !second.contains(last.fingerprint.dropFirst(3)))
        }
    }

    @Test func regenerationNeedsAWebhookURL() async throws {
        try await TestHarness.withSignedIn { harness, client, app, _, token in
            let never = try await client.json("/api/v3/webhooks/secret/regenerate", method: .post, token: token)
            #expect(never.status == .conflict)
            #expect(never.errorCode == "WEBHOOK_NOT_CONFIGURED")
            try await client.configure("https://hooks.example.com/a", token: token)
            try await client.configure(nil, token: token)
            let disabled = try await client.json("/api/v3/webhooks/secret/regenerate", method: .post, token: token)
            #expect(disabled.errorCode == "WEBHOOK_NOT_CONFIGURED")
            #expect(try await harness.store.secretAuditRecords(appID: app.id).count == 1)
        }
    }

    @Test func regenerationIsRateLimitedPerAppWithRetryAfter() async throws {
        try await TestHarness.with { harness in
            let (app, key) = try await harness.createApp()
            let (other, otherKey) = try await harness.createApp()
            try await harness.withClient { client in
                let token = try await client.token(for: app, key: key)
                try await client.configure("https://hooks.example.com/a", token: token)
                for _ in 0..<10 {
                    let response = try await client.json(
                        "/api/v3/webhooks/secret/regenerate",
                        method: .post,
                        token: token
                    )
                    #expect(response.status == .ok)
                }
                let secretBefore = try await harness.storedSecret(appID: app.id)
                let limited = try await client.json("/api/v3/webhooks/secret/regenerate", method: .post, token: token)
                #expect(limited.status == .tooManyRequests)
                #expect(limited.errorCode == "RATE_LIMIT_EXCEEDED")
                let retryAfter = try #require(limited.headers[.retryAfter].flatMap(Int.init))
                #expect((1...60).contains(retryAfter))
                #expect(
                    try await harness.storedSecret(appID: app.id) == secretBefore,
                    "a refused regeneration changes nothing"
                )

                let otherToken = try await client.token(for: other, key: otherKey)
                try await client.configure("https://hooks.example.com/b", token: otherToken)
                let unaffected = try await client.json(
                    "/api/v3/webhooks/secret/regenerate",
                    method: .post,
                    token: otherToken
                )
                #expect(unaffected.status == .ok, "the limit is per app")

                harness.clock.advance(by: TimeInterval(retryAfter))
                let again = try await client.json("/api/v3/webhooks/secret/regenerate", method: .post, token: token)
                #expect(again.status == .ok, "after Retry-After seconds the next regeneration is allowed")
            }
        }
    }

    @Test func fiftyConcurrentRegenerationsAreSerialised() async throws {
        let configure: (inout HookdServerConfiguration) -> Void = { $0.limits.regenerationsPerMinute = 1000 }
        try await TestHarness.withSignedIn(configure: configure) {
            harness,
            client,
            app,
            key,
            token in
            try await client.configure("https://hooks.example.com/a", token: token)
            let secrets = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        let response = try await client.json(
                            "/api/v3/webhooks/secret/regenerate",
                            method: .post,
                            token: token
                        )
                        return try #require(response.data["webhookSecret"] as? String, "\(response.raw)")
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(secrets.count == 50)
            #expect(Set(secrets).count == 50, "every response carries a distinct secret")

            let stored = try #require(try await harness.storedSecret(appID: app.id))
            #expect(secrets.contains(stored))
            let audit = try await harness.store.secretAuditRecords(appID: app.id)
            #expect(audit.count == 51)
            #expect(audit.map(\.secretVersion) == Array(1...51), "each regeneration committed its own version")
            let lastCommitted = try #require(audit.max { $0.secretVersion < $1.secretVersion })
            #expect(
                lastCommitted.fingerprint == WebhookSecret(stored)?.fingerprint,
                "the secret in force is the last committed"
            )
            #expect(
                Set(audit.dropFirst().map(\.fingerprint)) == Set(secrets.compactMap { WebhookSecret($0)?.fingerprint })
            )
        }
    }
}
