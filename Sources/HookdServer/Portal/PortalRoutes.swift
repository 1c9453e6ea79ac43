import HTTPTypes
import HookdCore
import HookdStore
import Hummingbird
import Logging
import NIOCore

/// The portal (SPEC §12): its pages and files, the one-time link that opens a session, and the session's own
/// routes (`GET /api/v3/portal/session`, `POST /api/v3/portal/logout`). Everything else the pages do goes through
/// the API routes every client uses.
struct PortalRoutes: APIRoutes, Sendable {
    let sessions: PortalSessions
    let store: any AppStore & TokenRevocationStore
    let assets: PortalAssets
    let services: RouteServices

    /// The headers of every page and file: a strict Content-Security-Policy (no inline script or style, nothing
    /// from another host, no framing), no sniffing, no referrer, no caching.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy:
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        .xContentTypeOptions: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        .cacheControl: "no-store",
        HTTPField.Name("X-Frame-Options")!: "DENY",
    ]

    struct SessionData: JSONRepresentable {
        let claims: PortalClaims
        let app: App?

        var json: JSONOutput {
            var members: [(String, JSONOutput)] = [("kind", .string(app == nil ? "operator" : "app"))]
            if let app {
                members += [
                    ("appId", .string(app.id.rawValue)), ("appName", .string(app.name)),
                    ("appType", .string(app.type.rawValue)),
                    ("environment", .string(app.environment.rawValue)),
                ]
            }
            members += [
                ("csrfToken", .string(claims.csrf)), ("expiresAt", .timestamp(claims.expiresAt)),
            ]
            return .object(members)
        }
    }

    func addRoutes(to router: Router<HookdRequestContext>) {
        router.get("portal", use: appPage)
        router.get("portal/operator", use: operatorPage)
        router.get("portal/assets/:name", use: asset)
        router.get("portal/enter", use: enter)
    }

    func addAPIRoutes(to group: RouterGroup<HookdRequestContext>) {
        group.get("portal/session", use: session)
        group.post("portal/logout", use: logout)
    }

    @Sendable func appPage(_ request: Request, context: HookdRequestContext) async throws -> Response {
        try file("index.html")
    }

    @Sendable func operatorPage(_ request: Request, context: HookdRequestContext) async throws -> Response {
        try file("operator.html")
    }

    @Sendable func asset(_ request: Request, context: HookdRequestContext) async throws -> Response {
        try file(try context.parameters.require("name"))
    }

    /// `GET /portal/enter?link=…`: uses up the link, sets the session cookie, and sends the browser on to the page
    /// without the link in its address. A link that is invalid, expired or used already gets a page that says so.
    @Sendable func enter(_ request: Request, context: HookdRequestContext) async throws -> Response {
        guard let token = request.uri.queryParameters["link"].map(String.init), !token.isEmpty else {
            return refusal(.badRequest, "This address is not a portal link.")
        }
        let now = clock.unixSeconds
        guard let link = try? await sessions.tokens.claims(of: token, use: .link, now: now) else {
            return refusal(.unauthorized, "This portal link is not valid or has expired. Ask for a new one.")
        }
        if let appID = link.app {
            guard let app = try await store.app(id: appID) else {
                return refusal(.unauthorized, "This portal link is for an app that no longer exists.")
            }
            guard app.status == .active else {
                return refusal(.forbidden, "This app is suspended. Contact the platform to reactivate it.")
            }
            // A credential change (rotate-key, suspend, activate) ends the links made before it, as it ends tokens.
            guard link.issuedAt >= app.tokensNotBefore else {
                return refusal(
                    .unauthorized,
                    "This portal link was made before the app's credentials changed. Ask for a new one."
                )
            }
        }
        // Remembering the link's id is what uses it up: of two requests with the same link, only one records it.
        guard try await store.revokeToken(id: link.jti, until: link.expiresAt) else {
            return refusal(.unauthorized, "This portal link has been used already. Ask for a new one.")
        }
        let session = try await sessions.tokens.session(
            for: link.audience,
            now: now,
            lifetime: sessions.configuration.sessionLifetime
        )
        context.logger.info(
            "portal session opened",
            metadata: ["hookd.app.id": .string(link.app?.rawValue ?? "operator")]
        )
        var headers = Self.securityHeaders
        headers[.location] = link.app == nil ? "/portal/operator" : "/portal/"
        headers[.setCookie] = sessions.cookie(storing: session, secure: sessions.securesCookies)
        return Response(status: .seeOther, headers: headers)
    }

    /// `GET /api/v3/portal/session`: who the session is for, when it ends, and the CSRF token its pages send.
    @Sendable func session(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let claims = try await requireSession(request)
        let app = claims.app == nil ? nil : try await sessions.activeApp(of: claims)
        var response = envelope.success(
            SessionData(claims: claims, app: app),
            message: "Portal session",
            context: context
        )
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// `POST /api/v3/portal/logout`: ends the session at once (its id is remembered until it would have expired)
    /// and clears the cookie.
    @Sendable func logout(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let claims = try await requireSession(request)
        try await store.revokeToken(id: claims.jti, until: claims.expiresAt)
        var response = envelope.success(
            DoneData(member: "loggedOut"),
            message: "Portal session ended",
            context: context
        )
        response.headers[.setCookie] = sessions.clearingCookie(secure: sessions.securesCookies)
        return response
    }

    private func requireSession(_ request: Request) async throws -> PortalClaims {
        guard let claims = try await sessions.session(of: request) else {
            throw APIError.tokenInvalid("There is no portal session; open a portal link first")
        }
        return claims
    }

    private func file(_ name: String) throws -> Response {
        guard let asset = assets.files[name] else { throw APIError.notFound }
        var headers = Self.securityHeaders
        headers[.contentType] = asset.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.bytes))
    }

    /// A small page saying why a link was refused (fixed text only).
    private func refusal(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let page = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>hookd portal</title><link rel="icon" href="/portal/assets/icon.svg">
            <link rel="stylesheet" href="/portal/assets/portal.css"></head>
            <body><main class="refusal"><h1>hookd portal</h1><p id="refusal">\(message)</p>
            <p>Links are made with <code>hookd portal-link</code>; each works once.</p></main></body></html>

            """
        var headers = Self.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}
