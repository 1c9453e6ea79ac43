import Crypto
import HookdCore
import HookdVerify

/// Makes and checks the portal's one-time links and session tokens.
///
/// They are HS256 JWTs under a key derived from the token signing key with HKDF, so that neither an access token
/// nor a portal token can ever be read as the other; a link is used up (and a session ended) by remembering its
/// `jti` among the revoked tokens.
struct PortalTokens: Sendable {
    private let service: TokenService

    init(tokenSigningKey: [UInt8]) async {
        let derived = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: tokenSigningKey),
            info: Array("hookd portal tokens v1".utf8),
            outputByteCount: 32
        )
        service = await TokenService(signingKey: derived.withUnsafeBytes { Array($0) }, lifetime: .zero)
    }

    /// A one-time link token for `audience`, valid from `now` for `lifetime`.
    func link(for audience: PortalAudience, now: UnixSeconds, lifetime: Duration) async throws -> PortalClaims.Signed {
        try await issue(.link, for: audience, now: now, lifetime: lifetime, csrf: nil)
    }

    /// A session token for `audience`, valid from `now` for `lifetime`, with a new CSRF token.
    func session(
        for audience: PortalAudience,
        now: UnixSeconds,
        lifetime: Duration
    ) async throws
        -> PortalClaims.Signed
    {
        let csrf = Hex.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
        return try await issue(.session, for: audience, now: now, lifetime: lifetime, csrf: csrf)
    }

    /// The claims of a token of `use` that is well formed, signed by this key, and not expired at `now`.
    ///
    /// - Throws: ``APIError`` `AUTH_TOKEN_INVALID` saying what is wrong.
    func claims(of token: String, use: PortalClaims.Use, now: UnixSeconds) async throws -> PortalClaims {
        let claims = try await service.verified(token, as: PortalClaims.self)
        guard claims.use == use else { throw APIError.tokenInvalid("The portal \(use.rawValue) is not valid") }
        guard now < claims.expiresAt else { throw APIError.tokenInvalid("The portal \(use.rawValue) has expired") }
        return claims
    }

    /// Signs a new token of `use` with a new `jti`.
    private func issue(
        _ use: PortalClaims.Use,
        for audience: PortalAudience,
        now: UnixSeconds,
        lifetime: Duration,
        csrf: String?
    ) async throws -> PortalClaims.Signed {
        let claims = PortalClaims(
            use: use,
            app: audience.appID,
            iat: now.rawValue,
            exp: (now + lifetime).rawValue,
            jti: Identifiers.tokenID(),
            csrf: csrf
        )
        return PortalClaims.Signed(token: try await service.sign(claims), claims: claims)
    }
}

extension PortalClaims {
    /// A token and the claims it carries.
    struct Signed: Sendable {
        let token: String
        let claims: PortalClaims
    }
}
