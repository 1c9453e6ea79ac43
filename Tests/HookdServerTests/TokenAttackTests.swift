import Crypto
import Foundation
import HookdCore
import HookdServerTestSupport
import HookdStore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// Forged, altered and stale tokens are all refused; none of them reaches a handler.
@Suite struct TokenAttackTests {
    /// Signs `header.payload` with HS-family HMAC under `key`, the way an attacker holding `key` would.
    static func forge(header: [String: Any], payload: [String: Any], key: [UInt8], hash: String = "HS256") -> String {
        let input = JWTParts.encode(header) + "." + JWTParts.encode(payload)
        let mac: [UInt8] =
            hash == "HS512"
            ? Array(HMAC<SHA512>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: key)))
            : Array(HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: key)))
        let signature = Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return input + "." + signature
    }

    /// The server's real signing key, read from the store the way the server reads it.
    static func serverKey(_ harness: TestHarness) async throws -> [UInt8] {
        try await ServerSecrets.tokenSigningKey(store: harness.store, sealer: harness.sealer)
    }

    static func claims(for app: App, now: UnixSeconds, lifetime: Duration = .seconds(3600)) -> [String: Any] {
        [
            "sub": app.id.rawValue, "bus": app.businessID.rawValue, "type": app.type.rawValue,
            "scopes": ["webhooks:read", "webhooks:write"], "iat": now.rawValue, "exp": (now + lifetime).rawValue,
            "jti": "jwt_0123456789abcdef01234567",
        ]
    }

    func expectRefused(_ token: String, code: String, harness: TestHarness, detail: String? = nil) async throws {
        try await harness.withClient { client in
            let response = try await client.json("/api/v3/webhooks", method: .get, token: token)
            #expect(response.errorCode == code, "\(response.raw)")
            if let detail {
                #expect((response.error["detail"] as? String)?.contains(detail) == true, "\(response.raw)")
            }
        }
    }

    @Test func theControlTokenSignedWithTheRealKeyIsAccepted() async throws {
        // Guards the forging helper itself: with the right key and HS256 the forged token must pass.
        try await TestHarness.with { harness in
            let (app, _) = try await harness.createApp()
            _ = try await HookdNode(configuration: harness.configuration, dependencies: harness.dependencies)
            let key = try await Self.serverKey(harness)
            let token = Self.forge(
                header: ["alg": "HS256", "typ": "JWT"],
                payload: Self.claims(for: app, now: harness.clock.unixSeconds),
                key: key
            )
            try await harness.withClient { client in
                let response = try await client.json("/api/v3/webhooks", method: .get, token: token)
                #expect(response.status == .ok, "\(response.raw)")
            }
        }
    }

    @Test func algNoneIsRefused() async throws {
        try await TestHarness.with { harness in
            let (app, _) = try await harness.createApp()
            let claims = Self.claims(for: app, now: harness.clock.unixSeconds)
            let unsigned = JWTParts.encode(["alg": "none", "typ": "JWT"]) + "." + JWTParts.encode(claims) + "."
            try await expectRefused(unsigned, code: "AUTH_TOKEN_INVALID", harness: harness)
            // `none` in the header with a valid HS256 signature must still be refused.
            _ = try await HookdNode(configuration: harness.configuration, dependencies: harness.dependencies)
            let key = try await Self.serverKey(harness)
            let signedNone = Self.forge(header: ["alg": "none"], payload: claims, key: key)
            try await expectRefused(signedNone, code: "AUTH_TOKEN_INVALID", harness: harness, detail: "HS256")
        }
    }

    @Test(arguments: ["HS512", "HS384", "RS256", "ES256", "hs256", ""])
    func otherAlgorithmsAreRefusedEvenWithTheRightKey(alg: String) async throws {
        try await TestHarness.with { harness in
            let (app, _) = try await harness.createApp()
            _ = try await HookdNode(configuration: harness.configuration, dependencies: harness.dependencies)
            let key = try await Self.serverKey(harness)
            let token = Self.forge(
                header: ["alg": alg, "typ": "JWT"],
                payload: Self.claims(for: app, now: harness.clock.unixSeconds),
                key: key,
                hash: alg == "HS512" ? "HS512" : "HS256"
            )
            try await expectRefused(token, code: "AUTH_TOKEN_INVALID", harness: harness, detail: "HS256")
        }
    }

    @Test func aTokenSignedWithAnotherKeyIsRefused() async throws {
        try await TestHarness.with { harness in
            let (app, _) = try await harness.createApp()
            let token = Self.forge(
                header: ["alg": "HS256", "typ": "JWT"],
                payload: Self.claims(for: app, now: harness.clock.unixSeconds),
                key: Array(repeating: 7, count: 32)
            )
            try await expectRefused(token, code: "AUTH_TOKEN_INVALID", harness: harness, detail: "signature")
        }
    }

    @Test(arguments: ["attacker", "../../../dev/null", "", "default", "hs256"])
    func aForgedKeyIDIsRefused(kid: String) async throws {
        // hookd signs with one key and names none: a `kid` cannot pick another key, whether the token is signed
        // with the attacker's key or with the server's own.
        try await TestHarness.with { harness in
            let (app, _) = try await harness.createApp()
            _ = try await HookdNode(configuration: harness.configuration, dependencies: harness.dependencies)
            let claims = Self.claims(for: app, now: harness.clock.unixSeconds)
            let attackers = Self.forge(
                header: ["alg": "HS256", "typ": "JWT", "kid": kid],
                payload: claims,
                key: Array(repeating: 7, count: 32)
            )
            try await expectRefused(attackers, code: "AUTH_TOKEN_INVALID", harness: harness)
            let withServerKey = Self.forge(
                header: ["alg": "HS256", "typ": "JWT", "kid": kid],
                payload: claims,
                key: try await Self.serverKey(harness)
            )
            try await expectRefused(withServerKey, code: "AUTH_TOKEN_INVALID", harness: harness)
        }
    }

    @Test func aTamperedPayloadIsRefused() async throws {
        try await TestHarness.with { harness in
            let (app, key) = try await harness.createApp()
            let (other, _) = try await harness.createApp()
            let token = try await harness.withClient { client in try await client.token(for: app, key: key) }
            let parts = token.split(separator: ".")
            var payload = try #require(JWTParts.decode(parts[1]))
            payload["sub"] = other.id.rawValue
            payload["bus"] = other.businessID.rawValue
            let tampered = "\(parts[0]).\(JWTParts.encode(payload)).\(parts[2])"
            try await expectRefused(tampered, code: "AUTH_TOKEN_INVALID", harness: harness, detail: "signature")
            payload = try #require(JWTParts.decode(parts[1]))
            payload["exp"] = (payload["exp"] as! Int) + 86_400
            try await expectRefused(
                "\(parts[0]).\(JWTParts.encode(payload)).\(parts[2])",
                code: "AUTH_TOKEN_INVALID",
                harness: harness
            )
        }
    }

    @Test func anExpiredTokenIsRefused() async throws {
        try await TestHarness.with { harness in
            let (app, key) = try await harness.createApp()
            let token = try await harness.withClient { client in try await client.token(for: app, key: key) }
            harness.clock.advance(by: 86_400)
            try await expectRefused(token, code: "AUTH_TOKEN_INVALID", harness: harness, detail: "expired")
        }
    }

    @Test func aRevokedTokenIsRefused() async throws {
        try await TestHarness.with { harness in
            let (app, key) = try await harness.createApp()
            let token = try await harness.withClient { client in
                let token = try await client.token(for: app, key: key)
                _ = try await client.json("/api/v3/auth/revoke", method: .post, token: token)
                return token
            }
            try await expectRefused(token, code: "AUTH_TOKEN_INVALID", harness: harness, detail: "revoked")
        }
    }

    @Test func aSuspendedAppsTokenIsRefused() async throws {
        try await TestHarness.with { harness in
            let (app, key) = try await harness.createApp()
            let token = try await harness.withClient { client in try await client.token(for: app, key: key) }
            _ = try await harness.store.updateAppStatus(id: app.id, status: .suspended, retiringTokensBefore: nil)
            try await expectRefused(token, code: "AUTH_APP_INACTIVE", harness: harness)
        }
    }

    @Test func aTokenWithoutTheScopeIsDenied() async throws {
        try await TestHarness.with { harness in
            let (reader, readerKey) = try await harness.createApp(scopes: [.webhooksRead])
            let (writer, writerKey) = try await harness.createApp(scopes: [.webhooksWrite])
            try await harness.withClient { client in
                let readToken = try await client.token(for: reader, key: readerKey)
                #expect(try await client.json("/api/v3/webhooks", method: .get, token: readToken).status == .ok)
                for (path, method) in [
                    ("/api/v3/webhooks", HTTPRequest.Method.put), ("/api/v3/webhooks/secret/regenerate", .post),
                ] {
                    let denied = try await client.json(path, method: method, token: readToken, body: "{}")
                    #expect(denied.status == .forbidden)
                    #expect(denied.errorCode == "AUTH_SCOPE_DENIED")
                }
                let writeToken = try await client.token(for: writer, key: writerKey)
                for path in ["/api/v3/webhooks", "/api/v3/webhooks/events"] {
                    let denied = try await client.json(path, method: .get, token: writeToken)
                    #expect(denied.errorCode == "AUTH_SCOPE_DENIED")
                }
            }
        }
    }

    @Test(arguments: ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"])
    func aMissingOrEmptyAuthorizationHeaderIsTokenMissing(header: String) async throws {
        try await TestHarness.withClient { _, client in
            let response = try await client.json(
                "/api/v3/webhooks",
                method: .get,
                headers: [.authorization: header]
            )
            #expect(response.status == .unauthorized)
            #expect(response.errorCode == "AUTH_TOKEN_MISSING")
        }
    }

    @Test(arguments: ["garbage", "a.b", "a.b.c", "....", "eyJhbGciOiJIUzI1NiJ9..sig", "eyJhbGciOiJIUzI1NiJ9.e30."])
    func malformedTokensAreInvalid(token: String) async throws {
        try await TestHarness.with { harness in
            try await expectRefused(token, code: "AUTH_TOKEN_INVALID", harness: harness)
        }
    }
}
