import HookdCore
import HookdStore
import Hummingbird
import Logging

/// `POST /auth/token`, `/auth/refresh` and `/auth/revoke` (SPEC §2).
struct AuthRoutes: Sendable {
    let store: any AppStore & TokenRevocationStore
    let tokens: TokenService
    let authenticator: Authenticator
    let envelope: Envelope
    let clock: any WallClock
    let configuration: HookdServerConfiguration
    let limiter: RateLimiter

    /// What the token routes answer with.
    struct TokenData: JSONRepresentable {
        let token: String
        let claims: AccessTokenClaims

        var json: JSONOutput {
            .object([
                ("accessToken", .string(token)),
                ("tokenType", .string("Bearer")),
                ("expiresIn", .int(claims.exp - claims.iat)),
                ("expiresAt", .timestamp(claims.expiresAt)),
                ("appType", .string(claims.type)),
                ("scopes", .array(claims.scopes.map(JSONOutput.string))),
            ])
        }
    }

    struct RevokedData: JSONRepresentable {
        var json: JSONOutput { .object([("revoked", .bool(true))]) }
    }

    func addRoutes(to group: RouterGroup<HookdRequestContext>) {
        group.post("auth/token", use: token)
        group.post("auth/refresh", use: refresh)
        group.post("auth/revoke", use: revoke)
    }

    @Sendable func token(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let body = try await JSONObjectBody.read(
            request,
            limit: configuration.maximumBodySize,
            allowed: ["appId", "secretKey", "grantType"]
        )
        var problems: [APIError.FieldError] = []
        let appID = body.string("appId", &problems)
        let secretKey = body.string("secretKey", &problems)
        let grantType = body.string("grantType", &problems)
        if let grantType, grantType != "client_credentials" {
            problems.append(.init(field: "grantType", message: "must be client_credentials"))
        }
        // Checked by shape before anything is stored or read: an app id that cannot be one is refused as it is.
        if let appID, !Identifiers.isAppID(appID) {
            problems.append(.init(field: "appId", message: "must be 16 uppercase letters and digits"))
        }
        try problems.throwIfAny()
        guard let appID, let secretKey else { throw APIError.validation(problems) }

        // Guessing is limited per client address, and per app id from each address, counting only failures: each
        // attempt reserves a unit of both in one statement each (so parallel guesses can never pass a limit), and a
        // right key gives them back. One that keeps guessing is refused before its guess is even checked, while a
        // client that knows its key is never held back by what other clients do (a limit per app id alone would let
        // any stranger lock an app out).
        let limits = loginFailureLimits(appID: appID, address: context.clientAddress)
        try await limiter.reserve(limits)
        let presented = AppSecretKey(secretKey)
        let app = try await store.app(id: appID)
        // Hash and compare even for an unknown app id, so it takes as long as a wrong key.
        guard presented.matches(digest: app?.secretKeyDigest ?? AppSecretKey("").digest), let app else {
            throw APIError.invalidCredentials
        }
        try await limiter.giveBack(limits)
        guard app.status == .active else { throw APIError.appInactive }
        let issued = try await tokens.issue(for: app, scopes: app.scopes, now: clock.unixSeconds)
        context.logger.info("token issued", metadata: ["hookd.app.id": .string(app.id)])
        return envelope.success(
            TokenData(token: issued.token, claims: issued.claims),
            message: "Token generated successfully",
            context: context
        )
    }

    @Sendable func refresh(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let principal = try await authenticator.authenticate(
            request.headers,
            requiring: nil,
            expiry: .refreshGrace(seconds: configuration.refreshGrace)
        )
        guard let app = try await store.app(id: principal.appID) else {
            throw APIError.tokenInvalid("The token's app does not exist")
        }
        // The token is retired as it is replaced, and only one refresh of it can win: a replayed or concurrent
        // refresh of the same token finds it revoked.
        guard
            try await store.revokeToken(
                id: principal.tokenID,
                until: principal.expiresAt + .seconds(configuration.refreshGrace)
            )
        else {
            throw APIError.tokenInvalid("The token has been revoked")
        }
        let issued = try await tokens.issue(for: app, scopes: principal.scopes, now: clock.unixSeconds)
        return envelope.success(
            TokenData(token: issued.token, claims: issued.claims),
            message: "Token refreshed successfully",
            context: context
        )
    }

    @Sendable func revoke(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let principal = try await authenticator.authenticate(request.headers, requiring: nil)
        // Kept until the token can no longer be refreshed either; the retention job forgets it afterwards.
        try await store.revokeToken(
            id: principal.tokenID,
            until: principal.expiresAt + .seconds(configuration.refreshGrace)
        )
        return envelope.success(RevokedData(), message: "Token revoked successfully", context: context)
    }

    /// The failure limits a token request counts against: its client address (when known), and its app id from its
    /// client address.
    private func loginFailureLimits(appID: String, address: String?) -> [RateLimiter.Limit] {
        // The client's own limit first: once it is used up, a guess is refused without writing anything.
        var limits: [RateLimiter.Limit] = []
        if let address {
            limits.append(
                .init(key: "login-failures:address:\(address)", perMinute: configuration.limits.loginFailuresPerAddress)
            )
        }
        limits.append(
            .init(
                key: "login-failures:app:\(appID):\(address ?? "")",
                perMinute: configuration.limits.loginFailuresPerApp
            )
        )
        return limits
    }
}
