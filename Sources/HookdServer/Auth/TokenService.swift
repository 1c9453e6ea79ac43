import Crypto
import Foundation
import HookdCore
import JWTKit

/// Issues and checks HS256 access tokens.
///
/// Only `HS256` is accepted: the header is read before jwt-kit sees the token and anything else (`none`,
/// `HS512`, `RS256`, a missing `alg`) is refused, because jwt-kit would otherwise verify any header with the
/// one key it holds.
struct TokenService: Sendable {
    private let keys: JWTKeyCollection
    /// How long a token lives.
    let lifetime: Duration

    /// - Parameters:
    ///   - signingKey: At least 32 random bytes, from configuration or the sealed server secret.
    ///   - lifetime: From issue to expiry.
    init(signingKey: [UInt8], lifetime: Duration) async {
        self.keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(key: SymmetricKey(data: signingKey)), digestAlgorithm: .sha256)
        self.lifetime = lifetime
    }

    /// A signed token of `version` for `app`, valid from `now` for ``lifetime``.
    ///
    /// A token issued in the second the app's credentials changed is dated the next second (``App/tokensNotBefore``),
    /// so that it is not mistaken for one issued before the change.
    func issue(
        _ version: AccessTokenClaims.Version = .v3,
        for app: App,
        scopes: [Scope],
        now: UnixSeconds
    ) async throws -> (token: String, claims: AccessTokenClaims) {
        let issuedAt = max(now, app.tokensNotBefore)
        let claims = AccessTokenClaims(
            version: version,
            app: app,
            scopes: scopes,
            issuedAt: issuedAt,
            expiresAt: issuedAt + lifetime,
            tokenID: Identifiers.tokenID()
        )
        return (try await keys.sign(claims), claims)
    }

    /// The claims of a token whose header and signature are valid. Expiry is the caller's to check.
    ///
    /// - Throws: ``APIError`` `AUTH_TOKEN_INVALID` saying what is wrong.
    func claims(of token: String) async throws -> AccessTokenClaims {
        try await verified(token, as: AccessTokenClaims.self)
    }

    /// Signs any hookd claims with this service's key (the portal's links and sessions use their own service,
    /// whose key is derived from the token key, so one kind can never pass for the other).
    func sign(_ claims: some JWTPayload) async throws -> String {
        try await keys.sign(claims)
    }

    /// The payload of a token whose header and signature are valid, read as `Payload`.
    ///
    /// - Throws: ``APIError`` `AUTH_TOKEN_INVALID` saying what is wrong.
    func verified<Payload: JWTPayload>(_ token: String, as: Payload.Type) async throws -> Payload {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[2].isEmpty else { throw APIError.tokenInvalid("The token is malformed") }
        guard let headerBytes = Self.base64URLDecode(parts[0]),
            let header = try? JSONValue.members(of: headerBytes)
        else { throw APIError.tokenInvalid("The token is malformed") }
        guard header["alg"] == .string("HS256") else {
            throw APIError.tokenInvalid("The token must be signed with HS256")
        }
        // hookd's headers carry `alg` and `typ` alone. Anything else (`kid`, `jku`, `jwk`, `x5u`, `crit`…) names a
        // key or a rule hookd never issues, and jwt-kit would verify with its one key whatever `kid` said.
        guard Set(header.keys).isSubset(of: ["alg", "typ"]), header["typ"] == nil || header["typ"] == .string("JWT")
        else { throw APIError.tokenInvalid("The token header is not accepted") }
        do {
            return try await keys.verify(token, as: Payload.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw APIError.tokenInvalid("The token signature is invalid")
        } catch {
            throw APIError.tokenInvalid("The token is malformed")
        }
    }

    private static func base64URLDecode(_ text: Substring) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !base64.contains("=") else { return nil }
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64).map(Array.init)
    }
}
