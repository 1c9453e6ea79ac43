import HookdCore
import Hummingbird
import Logging

/// Requires a valid token on every route behind it: `webhooks:read` for `GET`, `webhooks:write` for the rest.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = HookdRequestContext

    let authenticator: Authenticator

    func handle(
        _ request: Request,
        context: HookdRequestContext,
        next: (Request, HookdRequestContext) async throws -> Response
    ) async throws -> Response {
        let scope: Scope = request.method == .get || request.method == .head ? .webhooksRead : .webhooksWrite
        var context = context
        let principal = try await authenticator.authenticate(request.headers, requiring: scope)
        context.principal = principal
        context.logger[metadataKey: "hookd.app.id"] = .string(principal.appID)
        return try await next(request, context)
    }
}
