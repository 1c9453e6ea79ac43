import HookdCore
import Hummingbird
import Logging

/// Requires a valid token (or, on the v3.20 routes, the app's secret key) on every route behind it: `webhooks:read`
/// for `GET`, `webhooks:write` for the rest.
///
/// A request without an `Authorization` header may instead carry an app's portal session (its cookie, and for a
/// change its CSRF token): the portal's pages call the same routes, under the same rules.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = HookdRequestContext

    let authenticator: Authenticator
    let portal: PortalSessions
    /// Whether the app's secret key itself is accepted as the bearer (the v3.20 routes, SPEC §11).
    var acceptsSecretKey = false

    func handle(
        _ request: Request,
        context: HookdRequestContext,
        next: (Request, HookdRequestContext) async throws -> Response
    ) async throws -> Response {
        let scope: Scope = request.method == .get || request.method == .head ? .webhooksRead : .webhooksWrite
        var context = context
        let principal: Principal
        if request.headers[.authorization] == nil, let session = try await portal.session(of: request) {
            principal = try await portal.principal(of: session, requiring: scope)
        } else if acceptsSecretKey {
            principal = try await authenticator.authenticateAllowingSecretKey(request.headers, requiring: scope)
        } else {
            principal = try await authenticator.authenticate(request.headers, requiring: scope)
        }
        context.principal = principal
        context.logger[metadataKey: "hookd.app.id"] = .string(principal.appID.rawValue)
        return try await next(request, context)
    }
}
