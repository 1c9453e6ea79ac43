import HookdCore
import JWTKit

/// The claims of a hookd access token (SPEC §2).
struct AccessTokenClaims: JWTPayload, Equatable {
    /// The app id.
    let sub: String
    /// The business id.
    let bus: String
    /// The app type.
    let type: String
    let scopes: [String]
    /// Issued at, Unix seconds.
    let iat: Int64
    /// Expires at, Unix seconds.
    let exp: Int64
    /// `jwt_` and 24 hex digits.
    let jti: String

    /// When the token was issued (``iat``).
    var issuedAt: UnixSeconds { UnixSeconds(iat) }
    /// When the token expires (``exp``).
    var expiresAt: UnixSeconds { UnixSeconds(exp) }

    /// Expiry is checked by ``TokenService`` against the injected clock, because refresh accepts tokens
    /// that expired a few minutes ago; the signature has already been checked when this runs.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
