import HookdCore
import JWTKit

/// The claims of a hookd access token: v3's (SPEC §2) or v3.20's (SPEC §11.1, `FYATU-V3.20.md` §1.1.2).
///
/// A v3 token names the app in `sub` and its business in `bus`. A v3.20 token says `ver: "3.20"` and names the
/// business in `sub`, as Fyatu's v3.20 pages show; it names the app in `app`, because a token must still lead to one
/// app. Every other claim (and how a token is checked, revoked and retired) is the same for both.
struct AccessTokenClaims: JWTPayload, Equatable {
    /// Which interface issued a token.
    enum Version: Sendable, Equatable {
        /// `/api/v3/auth/token`, by app id.
        case v3
        /// `/api/v3.20/auth/token`, by business id.
        case v3_20

        /// The `ver` claim of this version's tokens (v3 tokens have none).
        var claim: String? {
            switch self {
            case .v3: nil
            case .v3_20: "3.20"
            }
        }
    }

    /// v3: the app id. v3.20: the business id.
    let sub: String
    /// The business id (v3 tokens only).
    let bus: String?
    /// The app id (v3.20 tokens only).
    let app: AppID?
    /// `"3.20"` on v3.20 tokens; absent on v3 tokens.
    let ver: String?
    /// The app type.
    let type: String
    let scopes: [String]
    /// Issued at, Unix seconds.
    let iat: Int64
    /// Expires at, Unix seconds.
    let exp: Int64
    /// `jwt_` and 24 hex digits.
    let jti: TokenID

    /// The claims of a token of `version` for `app`.
    init(
        version: Version,
        app: App,
        scopes: [Scope],
        issuedAt: UnixSeconds,
        expiresAt: UnixSeconds,
        tokenID: TokenID
    ) {
        switch version {
        case .v3:
            (sub, bus, self.app) = (app.id.rawValue, app.businessID.rawValue, nil)
        case .v3_20:
            (sub, bus, self.app) = (app.businessID.rawValue, nil, app.id)
        }
        ver = version.claim
        type = app.type.rawValue
        self.scopes = scopes.map(\.rawValue)
        iat = issuedAt.rawValue
        exp = expiresAt.rawValue
        jti = tokenID
    }

    /// When the token was issued (``iat``).
    var issuedAt: UnixSeconds { UnixSeconds(iat) }
    /// When the token expires (``exp``).
    var expiresAt: UnixSeconds { UnixSeconds(exp) }

    /// The app and business the token names, whichever version issued it; `nil` when its claims fit neither.
    var holder: (appID: AppID, businessID: BusinessID)? {
        switch (ver, bus, app) {
        case (nil, let business?, nil): (AppID(sub), BusinessID(business))
        case ("3.20", nil, let app?): (app, BusinessID(sub))
        default: nil
        }
    }

    /// Expiry is checked by ``TokenService`` against the injected clock, because refresh accepts tokens
    /// that expired a few minutes ago; the signature has already been checked when this runs.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
