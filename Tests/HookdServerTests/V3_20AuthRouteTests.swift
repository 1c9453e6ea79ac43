import Foundation
import HookdCore
import HookdServerTestSupport
import HookdStore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// `POST /api/v3.20/auth/token`, `/refresh` and `/revoke` (SPEC §11.1, `FYATU-V3.20.md` §1.1): tokens by business id,
/// with the scopes asked for, under the same protections, revocation and retirement as v3's.
@Suite struct V3_20AuthRouteTests {
    @Test(arguments: Backend.all)
    func aBusinessIdAndKeyBuyAV3_20TokenWithTheScopesAskedFor(backend: Backend) async throws {
        try await TestHarness.withDeliveries(on: backend) { harness in
            let (app, key) = try await harness.createApp(type: .collection)
            try await harness.withClient { client in
                let response = try await V3_20Endpoints.requestToken(
                    client,
                    app.businessID.rawValue,
                    key.value,
                    scopes: #"["webhooks:write","webhooks:read"]"#
                )
                #expect(response.status == .ok, "\(response.raw)")
                #expect(response.message == "Token generated successfully")
                #expect(
                    (response.object["data"] as? [String: Any]).map { Set($0.keys) }
                        == ["accessToken", "tokenType", "expiresIn", "expiresAt", "scopes"],
                    "no appType on v3.20"
                )
                #expect(response.data["tokenType"] as? String == "Bearer")
                #expect(response.data["expiresIn"] as? Int == 86_400)
                #expect(
                    response.data["expiresAt"] as? String
                        == Timestamp.iso8601(harness.clock.unixSeconds + .seconds(86_400))
                )
                #expect(response.data["scopes"] as? [String] == ["webhooks:read", "webhooks:write"])
                let token = try #require(response.data["accessToken"] as? String)
                let parts = token.split(separator: ".")
                #expect(try #require(JWTParts.decode(parts[0]))["alg"] as? String == "HS256")
                let claims = try #require(JWTParts.decode(parts[1]))
                #expect(claims["ver"] as? String == "3.20")
                #expect(claims["sub"] as? String == app.businessID.rawValue)
                #expect(claims["app"] as? String == app.id.rawValue)
                #expect(claims["scopes"] as? [String] == ["webhooks:read", "webhooks:write"])
                #expect(claims["exp"] as? Int == Int(harness.clock.unixSeconds.rawValue) + 86_400)

                // A v3.20 token works on the v3.20 routes and on v3's; so does a v3 token on v3.20's.
                #expect(try await client.json("/api/v3.20/webhooks", method: .get, token: token).status == .ok)
                #expect(try await client.json("/api/v3/webhooks", method: .get, token: token).status == .ok)
                let v3Token = try await client.token(for: app, key: key)
                #expect(try await client.json("/api/v3.20/webhooks", method: .get, token: v3Token).status == .ok)
                #expect(try await client.json("/api/v3.20/webhooks", method: .get, token: key.value).status == .ok)
            }
        }
    }

    @Test(arguments: Backend.all)
    func noScopesAskedForIsEveryScopeAndOneScopeIsOnlyThatOne(backend: Backend) async throws {
        try await TestHarness.withDeliveries(on: backend) { harness in
            let (app, key) = try await harness.createApp()
            try await harness.withClient { client in
                for scopes in [nil, "null"] {
                    let all = try await V3_20Endpoints.requestToken(
                        client,
                        app.businessID.rawValue,
                        key.value,
                        scopes: scopes
                    )
                    #expect(all.data["scopes"] as? [String] == ["webhooks:read", "webhooks:write"], "\(all.raw)")
                }
                let readOnly = try await V3_20Endpoints.requestToken(
                    client,
                    app.businessID.rawValue,
                    key.value,
                    scopes: #"["webhooks:read"]"#
                )
                #expect(readOnly.data["scopes"] as? [String] == ["webhooks:read"])
                let token = try #require(readOnly.data["accessToken"] as? String)
                #expect(try await client.json("/api/v3.20/webhooks", method: .get, token: token).status == .ok)
                let write = try await client.json(
                    "/api/v3.20/webhooks",
                    method: .put,
                    token: token,
                    body: #"{"webhookUrl":"https://example.com/hook"}"#
                )
                #expect(write.status == .forbidden)
                #expect(write.errorCode == "AUTH_SCOPE_DENIED")
            }
        }
    }

    /// A scope the app lacks is the route's `VALIDATION_ERROR` (400) on `scopes`, and only once the key is right.
    @Test(arguments: Backend.all)
    func askingForAScopeTheAppLacksIsRefused(backend: Backend) async throws {
        try await TestHarness.withDeliveries(on: backend) { harness in
            let (app, key) = try await harness.createApp(scopes: [.webhooksRead])
            try await harness.withClient { client in
                let refused = try await V3_20Endpoints.requestToken(
                    client,
                    app.businessID.rawValue,
                    key.value,
                    scopes: #"["webhooks:read","webhooks:write"]"#
                )
                #expect(refused.status == .badRequest)
                #expect(refused.errorCode == "VALIDATION_ERROR")
                let fields = refused.error["fields"] as? [[String: Any]] ?? []
                #expect(fields.first?["field"] as? String == "scopes")
                #expect((fields.first?["message"] as? String)?.contains("webhooks:write") == true)

                let wrongKey = try await V3_20Endpoints.requestToken(
                    client,
                    app.businessID.rawValue,
                    AppSecretKey.generate().value,
                    scopes: #"["webhooks:write"]"#
                )
                #expect(wrongKey.errorCode == "AUTH_INVALID_CREDENTIALS", "nothing about the app without its key")
            }
        }
    }

    @Test(arguments: Backend.all)
    func wrongKeysUnknownBusinessesAndAnotherAppsKeyAreInvalidCredentials(backend: Backend) async throws {
        try await TestHarness.withDeliveries(on: backend) { harness in
            let (app, _) = try await harness.createApp()
            let (_, otherKey) = try await harness.createApp()
            try await harness.withClient { client in
                let cases = [
                    (app.businessID.rawValue, AppSecretKey.generate().value),
                    ("UNKNOWNBUSINESS000000000", AppSecretKey.generate().value),
                    (app.businessID.rawValue, ""),
                    (app.businessID.rawValue, otherKey.value),
                ]
                for (businessID, key) in cases {
                    let response = try await V3_20Endpoints.requestToken(client, businessID, key)
                    #expect(response.status == .unauthorized)
                    #expect(response.errorCode == "AUTH_INVALID_CREDENTIALS")
                }
            }
        }
    }

    /// A well-shaped request from business `N1S0W3Q8P0V1E5M6Q4R3D8Z9`, with `extra` members.
    static func shaped(_ extra: String) -> String {
        #"{"businessId":"N1S0W3Q8P0V1E5M6Q4R3D8Z9","secretKey":"x","grantType":"client_credentials"\#(extra)}"#
    }

    @Test(arguments: [
        (V3_20Endpoints.tokenBody("A", "x"), ["businessId"]),
        (V3_20Endpoints.tokenBody("n1s0w3q8p0v1e5m6q4r3d8z9", "x"), ["businessId"]),
        (#"{"appId":"AAAAAAAAAAAAAAAA","secretKey":"x","grantType":"client_credentials"}"#, ["appId"]),
        (#"{"businessId":"N1S0W3Q8P0V1E5M6Q4R3D8Z9","secretKey":"x","grantType":"password"}"#, ["grantType"]),
        (shaped(#","scopes":[]"#), ["scopes"]),
        (shaped(#","scopes":"webhooks:read""#), ["scopes"]),
        (shaped(#","scopes":["cards:read"]"#), ["scopes"]),
        (shaped(#","scopes":["webhooks:read",1]"#), ["scopes"]),
        (#"{}"#, ["businessId", "secretKey", "grantType"]),
    ])
    func badShapesAreValidationErrors(body: String, fields: [String]) async throws {
        try await TestHarness.withClient { _, client in
            let (response, named) = try await client.validationError("/api/v3.20/auth/token", body: body)
            #expect(named == fields, "\(response.raw)")
        }
    }

    /// A business id of the wrong shape is refused before anything is counted: with room for one failure a minute,
    /// any number of them leave it untouched, and the next well-shaped wrong guess is the one that uses it.
    @Test(arguments: Backend.all)
    func aBadShapeStoresNothingAndFailuresAreCountedPerClient(backend: Backend) async throws {
        let configure: (inout HookdServerConfiguration) -> Void = { configuration in
            configuration.limits.loginFailuresPerAddress = 1
            configuration.limits.loginFailuresPerApp = 1
        }
        try await TestHarness.withDeliveries(
            on: backend,
            configure: configure
        ) { harness in
            let (app, key) = try await harness.createApp()
            try await harness.withLiveServer { client in
                for _ in 0..<5 {
                    let huge = String(repeating: "N1S0W3Q8P0V1E5M6Q4R3D8Z9", count: 2_000)
                    let refused = try await V3_20Endpoints.requestToken(client, huge, "sk_guess")
                    #expect(refused.status == .badRequest)
                }
                for key in ["login-failures:address:127.0.0.1", "login-failures:business:\(app.businessID):127.0.0.1"] {
                    let wait = try await harness.store.rateLimitWait(
                        key: RateLimiter.storedKey(key),
                        limit: 1,
                        period: .seconds(60),
                        now: harness.clock.unixMillis
                    )
                    #expect(wait == nil, "\(key) was counted")
                }
                // The right key is never counted; a wrong one is, and the next guess from this client is refused
                // whatever it names, by app id on v3 too.
                let granted = try await V3_20Endpoints.requestToken(client, app.businessID.rawValue, key.value)
                #expect(granted.status == .ok)
                let wrong = try await V3_20Endpoints.requestToken(client, app.businessID.rawValue, "sk_guess")
                #expect(wrong.errorCode == "AUTH_INVALID_CREDENTIALS")
                let next = try await V3_20Endpoints.requestToken(client, app.businessID.rawValue, "sk_guess")
                #expect(next.status == .tooManyRequests)
                let byAppID = try await client.json(
                    "/api/v3/auth/token",
                    method: .post,
                    body: #"{"appId":"\#(app.id)","secretKey":"sk_guess","grantType":"client_credentials"}"#
                )
                #expect(byAppID.status == .tooManyRequests)
            }
        }
    }

    @Test(arguments: Backend.all)
    func aSuspendedBusinessGetsNoTokenAndItsTokensStop(backend: Backend) async throws {
        try await TestHarness.withDeliveries(on: backend) { harness in
            let (app, key) = try await harness.createApp()
            let administration = harness.administration
            try await harness.withClient { client in
                let token = try await V3_20Endpoints.token(client, app, key)
                _ = try await administration.setStatus(appID: app.id, .suspended)
                let refused = try await V3_20Endpoints.requestToken(client, app.businessID.rawValue, key.value)
                #expect(refused.status == .unauthorized)
                #expect(refused.errorCode == "AUTH_BUSINESS_INACTIVE")
                let refresh = try await client.json("/api/v3.20/auth/refresh", method: .post, token: token)
                #expect(refresh.errorCode == "AUTH_BUSINESS_INACTIVE")
                // The webhook routes answer as v3 does.
                let read = try await client.json("/api/v3.20/webhooks", method: .get, token: token)
                #expect(read.errorCode == "AUTH_APP_INACTIVE")

                // Suspension retired the token for good.
                harness.clock.advance(by: 5)
                _ = try await administration.setStatus(appID: app.id, .active)
                let stale = try await client.json("/api/v3.20/webhooks", method: .get, token: token)
                #expect(stale.errorCode == "AUTH_TOKEN_INVALID")
                _ = try await V3_20Endpoints.token(client, app, key)
            }
        }
    }

    @Test(arguments: Backend.all)
    func refreshKeepsTheScopesAndRetiresTheOldTokenAndRevokeStopsOne(backend: Backend) async throws {
        try await TestHarness.withDeliveries(on: backend) { harness in
            let (app, key) = try await harness.createApp()
            try await harness.withClient { client in
                let token = try await V3_20Endpoints.token(client, app, key, scopes: #"["webhooks:read"]"#)
                let refreshed = try await client.json("/api/v3.20/auth/refresh", method: .post, token: token)
                #expect(refreshed.status == .ok, "\(refreshed.raw)")
                #expect(refreshed.message == "Token refreshed")
                #expect(refreshed.data["scopes"] as? [String] == ["webhooks:read"])
                #expect(refreshed.data["appType"] == nil)
                let fresh = try #require(refreshed.data["accessToken"] as? String)
                let claims = try #require(JWTParts.decode(fresh.split(separator: ".")[1]))
                #expect(claims["ver"] as? String == "3.20")
                #expect(claims["sub"] as? String == app.businessID.rawValue)
                #expect(claims["scopes"] as? [String] == ["webhooks:read"])
                let replayed = try await client.json("/api/v3.20/auth/refresh", method: .post, token: token)
                #expect(replayed.errorCode == "AUTH_TOKEN_INVALID")

                let revoked = try await client.json("/api/v3.20/auth/revoke", method: .post, token: fresh)
                #expect(revoked.status == .ok)
                #expect(revoked.message == "Token revoked")
                for path in ["/api/v3.20/webhooks", "/api/v3/webhooks"] {
                    let refused = try await client.json(path, method: .get, token: fresh)
                    #expect(refused.errorCode == "AUTH_TOKEN_INVALID", "\(path)")
                }
                #expect(
                    try await client.json("/api/v3.20/auth/refresh", method: .post, token: fresh).errorCode
                        == "AUTH_TOKEN_INVALID"
                )
                let missing = try await client.json("/api/v3.20/auth/revoke", method: .post)
                #expect(missing.errorCode == "AUTH_TOKEN_MISSING")

                // Past the 5-minute window, v3.20 answers AUTH_TOKEN_INVALID (v3: AUTH_TOKEN_REFRESH_FAILED).
                let late = try await V3_20Endpoints.token(client, app, key)
                let v3Late = try await client.token(for: app, key: key)
                harness.clock.advance(by: 86_400 + 301)
                let tooLate = try await client.json("/api/v3.20/auth/refresh", method: .post, token: late)
                #expect(tooLate.status == .unauthorized)
                #expect(tooLate.errorCode == "AUTH_TOKEN_INVALID")
                let v3TooLate = try await client.json("/api/v3/auth/refresh", method: .post, token: v3Late)
                #expect(v3TooLate.errorCode == "AUTH_TOKEN_REFRESH_FAILED")
            }
        }
    }

    @Test(arguments: Backend.all)
    func rotatingTheKeyRetiresV3_20Tokens(backend: Backend) async throws {
        try await TestHarness.withDeliveries(on: backend) { harness in
            let (app, key) = try await harness.createApp()
            try await harness.withClient { client in
                let old = try await V3_20Endpoints.token(client, app, key)
                let newKey = try #require(
                    try await harness.administration.rotateKey(appID: app.id)
                )
                let refused = try await client.json("/api/v3.20/webhooks", method: .get, token: old)
                #expect(refused.errorCode == "AUTH_TOKEN_INVALID")
                #expect(
                    try await client.json("/api/v3.20/auth/refresh", method: .post, token: old).status == .unauthorized
                )
                let oldKey = try await V3_20Endpoints.requestToken(client, app.businessID.rawValue, key.value)
                #expect(oldKey.errorCode == "AUTH_INVALID_CREDENTIALS")
                // In the same second as the rotation.
                let fresh = try await V3_20Endpoints.token(client, app, newKey)
                #expect(try await client.json("/api/v3.20/webhooks", method: .get, token: fresh).status == .ok)
            }
        }
    }
}
