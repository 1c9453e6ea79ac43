import Foundation
import HTTPTypes
import HookdCore
import HookdServerTestSupport
import HummingbirdTesting
import Testing

@testable import HookdServer

/// The v3.20 multi-endpoint routes answer as Fyatu's CaaS pages do (SPEC §11.1, `FYATU-V3.20.md` §2.2.4): `meta`
/// with `platform` and `Z` timestamps, `422` for what is invalid, `404 WEBHOOK_NOT_FOUND`, `403 INSUFFICIENT_SCOPE`;
/// the v3 routes keep their own answers.
@Suite struct CaaSDialectTests {
    /// Whether `text` is a second-precision UTC time ending in `Z` (or, with `offset`, in `+00:00`).
    static func isUTC(_ text: Any?, offset: Bool = false) -> Bool {
        guard let text = text as? String else { return false }
        let pattern = offset ? #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00/# : #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/#
        return text.wholeMatch(of: pattern) != nil
    }

    @Test func successesAndFailuresCarryThePlatformAndZTimes() async throws {
        try await TestHarness.withClient { harness, client in
            let tenant = try await V3_20Endpoints.tenant(harness, client: client)
            let created = try await tenant.createEndpoint(
                client,
                url: "https://hooks.example.com/in",
                events: ["CARD_FUNDED"]
            )
            let shown = try await client.json("/api/v3.20/webhooks/\(created.id)", method: .get, token: tenant.token)
            let meta = try #require(shown.object["meta"] as? [String: Any])
            #expect(meta["platform"] as? String == "Fyatu CaaS")
            #expect(Self.isUTC(meta["timestamp"]), "\(meta)")
            #expect(Self.isUTC(shown.data["createdAt"]), "\(shown.raw)")
            #expect(
                shown.raw.contains(#""meta":{"requestId":"req_"#)
                    && shown.raw.contains(#","platform":"Fyatu CaaS","timestamp":""#)
            )

            let invalid = try await client.json(
                "/api/v3.20/webhooks",
                method: .post,
                token: tenant.token,
                body: #"{"url":"https://hooks.example.com/in","events":[]}"#
            )
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.errorCode == "VALIDATION_ERROR")
            #expect(invalid.message == "Validation failed")
            #expect((invalid.object["meta"] as? [String: Any])?["platform"] as? String == "Fyatu CaaS")

            let missing = try await client.json("/api/v3.20/webhooks/whk_nosuch", method: .get, token: tenant.token)
            #expect(missing.status == .notFound)
            #expect(missing.errorCode == "WEBHOOK_NOT_FOUND")

            let anonymous = try await client.json("/api/v3.20/webhooks", method: .get)
            #expect(anonymous.errorCode == "AUTH_TOKEN_MISSING")
            #expect((anonymous.object["meta"] as? [String: Any])?["platform"] as? String == "Fyatu CaaS")

            // The v3 routes are unchanged.
            let v3 = try await client.json("/api/v3/webhooks", method: .get, token: tenant.token)
            let v3Meta = try #require(v3.object["meta"] as? [String: Any])
            #expect(v3Meta["platform"] == nil)
            #expect(Self.isUTC(v3Meta["timestamp"], offset: true), "\(v3Meta)")
            let v3Invalid = try await client.configure("ftp://nope", token: tenant.token)
            #expect(v3Invalid.status == .badRequest)
        }
    }

    @Test func aTokenWithoutTheScopeIsInsufficientScope() async throws {
        try await TestHarness.with { harness in
            let (app, key) = try await harness.createApp(scopes: [.webhooksRead])
            try await harness.withClient { client in
                let token = try await client.token(for: app, key: key)
                let listed = try await client.json("/api/v3.20/webhooks", method: .get, token: token)
                #expect(listed.status == .ok)
                let refused = try await client.json(
                    "/api/v3.20/webhooks",
                    method: .post,
                    token: token,
                    body: #"{"url":"https://hooks.example.com/in","events":["CARD_FUNDED"]}"#
                )
                #expect(refused.status == .forbidden)
                #expect(refused.errorCode == "INSUFFICIENT_SCOPE")
                let v3 = try await client.json("/api/v3/webhooks/secret/regenerate", method: .post, token: token)
                #expect(v3.errorCode == "AUTH_SCOPE_DENIED", "v3 keeps its code")
            }
        }
    }
}
