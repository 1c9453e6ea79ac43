import HookdCore
import JWTKit

/// Who a portal link or session is for: one app's people, or the operator.
enum PortalAudience: Sendable, Equatable {
    case app(AppID)
    case `operator`

    /// The app, for an app's link or session.
    var appID: AppID? {
        if case .app(let id) = self { return id }
        return nil
    }
}

/// The claims of a portal link or session token, signed with the portal's own key (``PortalTokens``).
struct PortalClaims: JWTPayload, Equatable {
    /// What the token is.
    enum Use: String, Codable {
        /// A one-time link: exchanged once for a session.
        case link
        /// A session, carried by the `hookd_portal` cookie.
        case session
    }

    let use: Use
    /// The app's id; `nil` for the operator.
    let app: AppID?
    /// Issued at, Unix seconds.
    let iat: Int64
    /// Expires at, Unix seconds.
    let exp: Int64
    /// `jwt_` and 24 hex digits: what a used link or an ended session is remembered by.
    let jti: TokenID
    /// A session's CSRF token, which every change made with the cookie must repeat in `X-CSRF-Token`.
    let csrf: String?

    var audience: PortalAudience { app.map(PortalAudience.app) ?? .operator }
    var issuedAt: UnixSeconds { UnixSeconds(iat) }
    var expiresAt: UnixSeconds { UnixSeconds(exp) }

    /// Expiry is checked by ``PortalTokens`` against the injected clock.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
