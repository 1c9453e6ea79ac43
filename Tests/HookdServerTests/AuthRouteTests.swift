import Foundation
import HookdCore
import HookdServerTestSupport
import HookdStore
import HookdTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

@Suite struct AuthRouteTests {
    @Test func credentialsBuyATokenWithTheSpecifiedClaims() async throws {
        try await TestHarness.with { harness in
            let (app, key) = try await harness.createApp(type: .collection)
            try await harness.withClient { client in
                let response = try await client.requestToken(for: app, key: key)
                #expect(response.status == .ok)
                #expect(response.message == "Token generated successfully")
                #expect(response.data["tokenType"] as? String == "Bearer")
                #expect(response.data["expiresIn"] as? Int == 86_400)
                #expect(response.data["appType"] as? String == "collection")
                #expect(response.data["scopes"] as? [String] == ["webhooks:read", "webhooks:write"])
                #expect(
                    response.data["expiresAt"] as? String
                        == Timestamp.iso8601(harness.clock.unixSeconds + .seconds(86_400))
                )
                let token = try #require(response.data["accessToken"] as? String)
                let parts = token.split(separator: ".")
                #expect(parts.count == 3)
                let header = try #require(JWTParts.decode(parts[0]))
                #expect(header["alg"] as? String == "HS256")
                let claims = try #require(JWTParts.decode(parts[1]))
                #expect(claims["sub"] as? String == app.id.rawValue)
                #expect(claims["bus"] as? String == app.businessID.rawValue)
                #expect(claims["type"] as? String == "collection")
                #expect(claims["iat"] as? Int == Int(harness.clock.unixSeconds.rawValue))
                #expect(claims["exp"] as? Int == Int(harness.clock.unixSeconds.rawValue) + 86_400)
                #expect((claims["jti"] as? String)?.wholeMatch(of: /jwt_[0-9a-f]{24}/) != nil)
            }
        }
    }

    @Test(arguments: [
        (#"{"appId":"A","secretKey":"B""#, "not valid JSON"),
        (#"[1,2]"#, "must be a JSON object"),
        (#""just a string""#, "must be a JSON object"),
        ("", "must be a JSON object"),
    ])
    func malformedBodiesAreValidationErrors(body: String, detail: String) async throws {
        try await TestHarness.withClient { _, client in
            let response = try await client.json("/api/v3/auth/token", method: .post, body: body)
            #expect(response.status == .badRequest)
            #expect(response.errorCode == "VALIDATION_ERROR")
            #expect((response.error["detail"] as? String)?.contains(detail) == true)
        }
    }

    @Test(arguments: [
        (#"{"appId":1,"secretKey":"x","grantType":"client_credentials"}"#, ["appId"]),
        (#"{"secretKey":"x","grantType":"client_credentials"}"#, ["appId"]),
        (#"{"appId":"AAAAAAAAAAAAAAAA","secretKey":null,"grantType":"client_credentials"}"#, ["secretKey"]),
        (#"{"appId":"AAAAAAAAAAAAAAAA","secretKey":"x","grantType":"password"}"#, ["grantType"]),
        (#"{"appId":"AAAAAAAAAAAAAAAA","secretKey":"x"}"#, ["grantType"]),
        (#"{}"#, ["appId", "secretKey", "grantType"]),
        (#"{"appId":"A","secretKey":"x","grantType":"client_credentials"}"#, ["appId"]),
        (#"{"appId":"aaaaaaaaaaaaaaaa","secretKey":"x","grantType":"client_credentials"}"#, ["appId"]),
        (#"{"appId":"A","secretKey":"x","grantType":"client_credentials","scope":"all"}"#, ["scope"]),
    ])
    func invalidFieldsAreNamed(body: String, fields: [String]) async throws {
        try await TestHarness.withClient { _, client in
            let (_, named) = try await client.validationError("/api/v3/auth/token", body: body)
            #expect(named == fields)
        }
    }

    @Test func unknownAppsAndWrongKeysAreInvalidCredentials() async throws {
        try await TestHarness.with { harness in
            let (app, _) = try await harness.createApp()
            let wrongKey = AppSecretKey.generate()
            try await harness.withClient { client in
                for (appID, key) in [(app.id, wrongKey.value), ("UNKNOWNAPP000000", wrongKey.value), (app.id, "")] {
                    let response = try await client.json(
                        "/api/v3/auth/token",
                        method: .post,
                        body: #"{"appId":"\#(appID)","secretKey":"\#(key)","grantType":"client_credentials"}"#
                    )
                    #expect(response.status == .unauthorized)
                    #expect(response.errorCode == "AUTH_INVALID_CREDENTIALS")
                }
            }
        }
    }

    @Test func aSuspendedAppGetsNoToken() async throws {
        try await TestHarness.with { harness in
            let (app, key) = try await harness.createApp()
            _ = try await harness.store.updateAppStatus(id: app.id, status: .suspended, retiringTokensBefore: nil)
            try await harness.withClient { client in
                let response = try await client.requestToken(for: app, key: key)
                #expect(response.status == .forbidden)
                #expect(response.errorCode == "AUTH_APP_INACTIVE")
            }
        }
    }

    @Test func aRotatedKeyStopsTheOldOne() async throws {
        try await TestHarness.with { harness in
            let (app, oldKey) = try await harness.createApp()
            let newKey = try #require(try await AppAdministration(store: harness.store).rotateKey(appID: app.id))
            try await harness.withClient { client in
                let refused = try await client.requestToken(for: app, key: oldKey)
                #expect(refused.errorCode == "AUTH_INVALID_CREDENTIALS")
                _ = try await client.token(for: app, key: newKey)
            }
        }
    }

    @Test func refreshWorksWhileValidAndUpToFiveMinutesAfterExpiry() async throws {
        try await TestHarness.withSignedIn { harness, client, app, key, token in
            let fresh = try await client.json("/api/v3/auth/refresh", method: .post, token: token)
            #expect(fresh.status == .ok)
            #expect(fresh.message == "Token refreshed successfully")
            let refreshed = try #require(fresh.data["accessToken"] as? String)
            #expect(refreshed != token)

            let lateToken = try await client.token(for: app, key: key)
            let tooLateToken = try await client.token(for: app, key: key)
            harness.clock.advance(by: 86_400 + 299)
            let late = try await client.json("/api/v3/auth/refresh", method: .post, token: lateToken)
            #expect(late.status == .ok)
            let expired = try await client.json("/api/v3/webhooks", method: .get, token: lateToken)
            #expect(expired.errorCode == "AUTH_TOKEN_INVALID")

            harness.clock.advance(by: 2)
            let tooLate = try await client.json("/api/v3/auth/refresh", method: .post, token: tooLateToken)
            #expect(tooLate.status == .unauthorized)
            #expect(tooLate.errorCode == "AUTH_TOKEN_REFRESH_FAILED")
        }
    }

    @Test func refreshNeedsAToken() async throws {
        try await TestHarness.withClient { _, client in
            let missing = try await client.json("/api/v3/auth/refresh", method: .post)
            #expect(missing.errorCode == "AUTH_TOKEN_MISSING")
            let invalid = try await client.json("/api/v3/auth/refresh", method: .post, token: "not.a.token")
            #expect(invalid.errorCode == "AUTH_TOKEN_INVALID")
        }
    }

    @Test func aRevokedTokenStopsAtOnceAndCannotBeRefreshed() async throws {
        try await TestHarness.withSignedIn { _, client, app, key, token in
            let other = try await client.token(for: app, key: key)
            let revoked = try await client.json("/api/v3/auth/revoke", method: .post, token: token)
            #expect(revoked.status == .ok)
            #expect(revoked.message == "Token revoked successfully")
            #expect(revoked.data["revoked"] as? Bool == true)
            for (path, method) in [
                ("/api/v3/webhooks", HTTPRequest.Method.get), ("/api/v3/auth/refresh", .post),
                ("/api/v3/auth/revoke", .post),
            ] {
                let response = try await client.json(path, method: method, token: token)
                #expect(response.status == .unauthorized)
                #expect(response.errorCode == "AUTH_TOKEN_INVALID")
                #expect((response.error["detail"] as? String)?.contains("revoked") == true)
            }
            let stillFine = try await client.json("/api/v3/webhooks", method: .get, token: other)
            #expect(stillFine.status == .ok)
        }
    }

    @Test func aSuspendedAppCanNeitherRefreshNorRevoke() async throws {
        try await TestHarness.withSignedIn { harness, client, app, _, token in
            _ = try await harness.store.updateAppStatus(id: app.id, status: .suspended, retiringTokensBefore: nil)
            for path in ["/api/v3/auth/refresh", "/api/v3/auth/revoke"] {
                let response = try await client.json(path, method: .post, token: token)
                #expect(response.status == .forbidden)
                #expect(response.errorCode == "AUTH_APP_INACTIVE")
            }
            _ = try await harness.store.updateAppStatus(id: app.id, status: .active, retiringTokensBefore: nil)
            #expect(try await client.json("/api/v3/auth/refresh", method: .post, token: token).status == .ok)
        }
    }

    @Test func revocationsAreForgottenOnlyAfterTheirEnd() async throws {
        try await TestHarness.with { harness in
            try await harness.store.revokeToken(id: "jwt_a", until: UnixSeconds(100))
            try await harness.store.revokeToken(id: "jwt_b", until: UnixSeconds(300))
            try await harness.store.purgeExpired(now: UnixMillis(200_000), idempotencyKeysBefore: UnixSeconds(0))
            #expect(try await harness.store.isTokenRevoked(id: "jwt_a") == false)
            #expect(try await harness.store.isTokenRevoked(id: "jwt_b") == true)
        }
    }
}

/// Decodes JWT segments in tests, independently of the server's code.
enum JWTParts {
    static func decode(_ segment: Substring) -> [String: Any]? {
        var base64 = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    static func encode(_ object: [String: Any]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
