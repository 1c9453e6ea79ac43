import Foundation
import HTTPTypes
import HookdCore
import HookdStore
import HookdVerify
import Hummingbird

/// Reads the portal session a request carries in its cookie, and checks what a session may do.
///
/// A session is a signed token in the `hookd_portal` cookie (HttpOnly, SameSite=Strict). Every request that
/// changes something must also repeat the session's CSRF token in `X-CSRF-Token`, which only the portal's own pages
/// can read (from `GET /api/v3/portal/session`; hookd answers no cross-origin request).
struct PortalSessions: Sendable {
    /// The cookie that carries the session.
    static let cookieName = "hookd_portal"
    /// The header a change must carry.
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    let tokens: PortalTokens
    let store: any AppStore & TokenRevocationStore
    let clock: any WallClock
    let configuration: HookdServerConfiguration.Portal

    /// The session of a request that carries the cookie; `nil` when it carries none.
    ///
    /// - Throws: ``APIError`` `AUTH_TOKEN_INVALID` when the session is invalid, expired or ended, or when a change
    ///   lacks the session's CSRF token.
    func session(of request: Request) async throws -> PortalClaims? {
        guard let token = Self.cookie(in: request.headers) else { return nil }
        let claims = try await tokens.claims(of: token, use: .session, now: clock.unixSeconds)
        guard try await !store.isTokenRevoked(id: claims.jti) else {
            throw APIError.tokenInvalid("The portal session has ended; ask for a new link")
        }
        if !Self.isSafe(request.method) {
            guard let presented = request.headers[Self.csrfHeader], let expected = claims.csrf,
                ConstantTime.equals(presented.utf8, expected.utf8)
            else { throw APIError.tokenInvalid("A change made in a portal session must carry its X-CSRF-Token header") }
        }
        return claims
    }

    /// The app an app's session acts for, with the app's own scopes, checked as a token would be: the app exists,
    /// is active, and has not retired its credentials since the session began.
    func principal(of claims: PortalClaims, requiring scope: Scope) async throws -> Principal {
        let app = try await activeApp(of: claims)
        guard app.scopes.contains(scope) else { throw APIError.scopeDenied(scope.rawValue) }
        return Principal(app: app, scopes: app.scopes, tokenID: claims.jti, expiresAt: claims.expiresAt)
    }

    /// The app of an app's session, if it exists, is active, and has not retired its credentials since the session
    /// began.
    func activeApp(of claims: PortalClaims) async throws -> App {
        guard let appID = claims.app else {
            throw APIError.tokenInvalid("The operator's portal session cannot act for an app")
        }
        guard let app = try await store.app(id: appID) else {
            throw APIError.tokenInvalid("The session's app does not exist")
        }
        guard app.status == .active else { throw APIError.appInactive }
        guard claims.issuedAt >= app.tokensNotBefore else {
            throw APIError.tokenInvalid("The session began before the app's credentials changed")
        }
        return app
    }

    /// The `Set-Cookie` value that stores `session` in the browser.
    func cookie(storing session: PortalClaims.Signed, secure: Bool) -> String {
        let maxAge = max(session.claims.exp - session.claims.iat, 0)
        return "\(Self.cookieName)=\(session.token); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict"
            + (secure ? "; Secure" : "")
    }

    /// The `Set-Cookie` value that removes the session's cookie.
    func clearingCookie(secure: Bool) -> String {
        "\(Self.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    /// Whether cookies must be `Secure`: the operator's public URL is `https`.
    var securesCookies: Bool {
        configuration.publicURL.flatMap(PortalPublicURL.init)?.isHTTPS ?? false
    }

    /// The value of the session cookie in `headers`, if any.
    static func cookie(in headers: HTTPFields) -> String? {
        for field in headers[values: .cookie] {
            for pair in field.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == cookieName else { continue }
                let value = parts[1].trimmingCharacters(in: .whitespaces)
                if !value.isEmpty { return value }
            }
        }
        return nil
    }

    /// `GET` and `HEAD` change nothing and need no CSRF token.
    static func isSafe(_ method: HTTPRequest.Method) -> Bool {
        method == .get || method == .head
    }
}
