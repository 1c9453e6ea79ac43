import HookdCore
import HookdStore
import HookdVerify
import Hummingbird
import Logging

/// `POST /auth/token`, `/auth/refresh` and `/auth/revoke`: v3's under `/api/v3` (SPEC §2) and v3.20's under
/// `/api/v3.20` (SPEC §11.1), one set of handlers that differ only where Fyatu's pages for the two versions do.
///
/// v3 asks for a token by `appId`; v3.20 by `businessId`, optionally narrowed to `scopes`, and its tokens carry
/// `ver: "3.20"` with the business in `sub` (``AccessTokenClaims``). Both count failures against the same limits,
/// and a token of either version is taken by every authenticated route of both.
struct AuthRoutes: APIRoutes, Sendable {
    let store: any AppStore & TokenRevocationStore
    let tokens: TokenService
    let authenticator: Authenticator
    let services: RouteServices
    /// The interface these routes serve, and so the tokens they issue.
    var version: AccessTokenClaims.Version = .v3

    /// What the token routes answer with.
    struct TokenData: JSONRepresentable {
        let token: String
        let claims: AccessTokenClaims
        /// v3 shows the app type; v3.20's pages show none (`FYATU-V3.20.md` §1.1.1).
        let showsAppType: Bool

        var json: JSONOutput {
            var members: [(String, JSONOutput)] = [
                ("accessToken", .string(token)),
                ("tokenType", .string("Bearer")),
                ("expiresIn", .int(claims.exp - claims.iat)),
                ("expiresAt", .timestamp(claims.expiresAt)),
            ]
            if showsAppType { members.append(("appType", .string(claims.type))) }
            members.append(("scopes", .array(claims.scopes.map(JSONOutput.string))))
            return .object(members)
        }
    }

    func addRoutes(to group: RouterGroup<HookdRequestContext>) {
        group.post("auth/token", use: token)
        group.post("auth/refresh", use: refresh)
        group.post("auth/revoke", use: revoke)
    }

    @Sendable func token(_ request: Request, context: HookdRequestContext) async throws -> Response {
        try await answeringInVersion {
            let asked = try await TokenRequest.read(request, version: version, limit: configuration.maximumBodySize)

            // Guessing is limited per client address, and per app (or business) id from each address, counting only
            // failures: each attempt reserves a unit of both in one statement each (so parallel guesses can never
            // pass a limit), and a right key gives them back. One that keeps guessing is refused before its guess is
            // even checked, while a client that knows its key is never held back by what other clients do (a limit
            // per id alone would let any stranger lock an app out).
            let limits = loginFailureLimits(holder: asked.holder, address: context.clientAddress)
            try await limiter.reserve(limits)
            let presented = AppSecretKey(asked.secretKey)
            let app = try await app(of: asked.holder, presenting: presented)
            // Hash and compare even for an unknown id, so it takes as long as a wrong key.
            guard presented.matches(digest: app?.secretKeyDigest ?? AppSecretKey("").digest), let app else {
                throw APIError.invalidCredentials
            }
            try await limiter.giveBack(limits)
            guard app.status == .active else { throw APIError.appInactive }
            // Only someone holding the key learns which scopes the app lacks.
            let scopes = try asked.scopes.map { try Self.grant($0, to: app) } ?? app.scopes
            let issued = try await tokens.issue(version, for: app, scopes: scopes, now: clock.unixSeconds)
            context.logger.info("token issued", metadata: ["hookd.app.id": .string(app.id.rawValue)])
            return envelope.success(
                TokenData(token: issued.token, claims: issued.claims, showsAppType: version == .v3),
                message: "Token generated successfully",
                context: context
            )
        }
    }

    @Sendable func refresh(_ request: Request, context: HookdRequestContext) async throws -> Response {
        try await answeringInVersion {
            let principal = try await authenticator.authenticate(
                request.headers,
                requiring: nil,
                expiry: .refreshGrace(configuration.refreshGrace)
            )
            guard let app = try await store.app(id: principal.appID) else {
                throw APIError.tokenInvalid("The token's app does not exist")
            }
            // The token is retired as it is replaced, and only one refresh of it can win: a replayed or concurrent
            // refresh of the same token finds it revoked.
            guard
                try await store.revokeToken(
                    id: principal.tokenID,
                    until: principal.expiresAt + configuration.refreshGrace
                )
            else {
                throw APIError.tokenInvalid("The token has been revoked")
            }
            // The same scopes, in a token of the version of the route called.
            let issued = try await tokens.issue(version, for: app, scopes: principal.scopes, now: clock.unixSeconds)
            return envelope.success(
                TokenData(token: issued.token, claims: issued.claims, showsAppType: version == .v3),
                message: version == .v3 ? "Token refreshed successfully" : "Token refreshed",
                context: context
            )
        }
    }

    @Sendable func revoke(_ request: Request, context: HookdRequestContext) async throws -> Response {
        try await answeringInVersion {
            let principal = try await authenticator.authenticate(request.headers, requiring: nil)
            // Kept until the token can no longer be refreshed either; the retention job forgets it afterwards.
            try await store.revokeToken(
                id: principal.tokenID,
                until: principal.expiresAt + configuration.refreshGrace
            )
            return envelope.success(
                DoneData(member: "revoked"),
                message: version == .v3 ? "Token revoked successfully" : "Token revoked",
                context: context
            )
        }
    }

    /// The app a token request names, when the key presented could be its own.
    ///
    /// By business id, the app is found by its key's digest (indexed, as for the key sent as a bearer on v3.20, and
    /// disclosing nothing a comparison in constant time would hide) and then held to the business id given: no index
    /// or uniqueness of business ids is needed, and a right key with another business's id is refused.
    private func app(of holder: TokenRequest.Holder, presenting key: AppSecretKey) async throws -> App? {
        switch holder {
        case .app(let id):
            return try await store.app(id: id)
        case .business(let id):
            guard let app = try await store.app(secretKeyDigest: key.digest) else { return nil }
            return ConstantTime.equals(app.businessID.rawValue, id) ? app : nil
        }
    }

    /// The scopes `asked` for, when `app` may have them all.
    ///
    /// - Throws: `400 VALIDATION_ERROR` on `scopes` naming what the app lacks: v3.20's token page lists no other code
    ///   for a parameter the route cannot accept (`AUTH_SCOPE_DENIED` is for a token at a route), and OAuth 2.0's
    ///   `invalid_scope` is a 400 too.
    private static func grant(_ asked: [Scope], to app: App) throws -> [Scope] {
        let lacking = asked.filter { !app.scopes.contains($0) }
        guard lacking.isEmpty else {
            throw APIError.validation(
                field: "scopes",
                "the app may not have \(lacking.map(\.rawValue).joined(separator: ", "))"
            )
        }
        return asked
    }

    /// Runs a handler, answering in v3.20's codes where its pages name other ones than v3's: a suspended app is
    /// `401 AUTH_BUSINESS_INACTIVE`, a token past its refresh window `AUTH_TOKEN_INVALID` (`FYATU-V3.20.md` §1.1.1,
    /// §1.1.3).
    private func answeringInVersion(_ handler: () async throws -> Response) async throws -> Response {
        do {
            return try await handler()
        } catch let error as APIError where version == .v3_20 {
            switch error.code {
            case APIError.appInactive.code: throw APIError.businessInactive
            case APIError.refreshFailed.code:
                throw APIError.tokenInvalid(
                    "Tokens can be refreshed up to 5 minutes after they expire; request a new one with /auth/token"
                )
            default: throw error
            }
        }
    }

    /// The failure limits a token request counts against: its client address (when known), and the app or business
    /// id it names from its client address.
    private func loginFailureLimits(holder: TokenRequest.Holder, address: String?) -> [RateLimiter.Limit] {
        // The client's own limit first: once it is used up, a guess is refused without writing anything. It is the
        // same for both versions, so a client's guesses by app id and by business id add up.
        var limits: [RateLimiter.Limit] = []
        if let address {
            limits.append(
                .init(key: "login-failures:address:\(address)", perMinute: configuration.limits.loginFailuresPerAddress)
            )
        }
        let holderKey =
            switch holder {
            case .app(let id): "app:\(id)"
            case .business(let id): "business:\(id)"
            }
        limits.append(
            .init(
                key: "login-failures:\(holderKey):\(address ?? "")",
                perMinute: configuration.limits.loginFailuresPerApp
            )
        )
        return limits
    }
}

extension AuthRoutes {
    /// A token request, checked by its shape alone: nothing has been read or stored for it yet.
    struct TokenRequest {
        /// Whose token is asked for.
        enum Holder {
            /// v3: an app id (16 uppercase letters and digits).
            case app(AppID)
            /// v3.20: a business id (24 uppercase letters and digits).
            case business(String)
        }

        let holder: Holder
        let secretKey: String
        /// The scopes asked for (v3.20), in hookd's order; `nil` for all the app may have.
        let scopes: [Scope]?

        /// Reads `{appId, secretKey, grantType}` (v3) or `{businessId, secretKey, grantType, scopes?}` (v3.20).
        ///
        /// - Throws: `400 VALIDATION_ERROR` naming every field that is missing or cannot be what it claims.
        static func read(_ request: Request, version: AccessTokenClaims.Version, limit: Int) async throws -> Self {
            let idField = version == .v3 ? "appId" : "businessId"
            let allowed: Set<String> = Set([idField, "secretKey", "grantType"] + (version == .v3 ? [] : ["scopes"]))
            let body = try await JSONObjectBody.read(request, limit: limit, allowed: allowed)
            var problems: [APIError.FieldError] = []
            let id = body.string(idField, &problems)
            let secretKey = body.string("secretKey", &problems)
            let grantType = body.string("grantType", &problems)
            if let grantType, grantType != "client_credentials" {
                problems.append(.init(field: "grantType", message: "must be client_credentials"))
            }
            // Checked by shape before anything is stored or read: an id that cannot be one is refused as it is.
            let holder: Holder?
            switch (version, id) {
            case (.v3, let id?) where Identifiers.isAppID(id):
                holder = .app(AppID(id))
            case (.v3, _?):
                problems.append(.init(field: idField, message: "must be 16 uppercase letters and digits"))
                holder = nil
            case (.v3_20, let id?) where Identifiers.isBusinessID(id):
                holder = .business(id)
            case (.v3_20, _?):
                problems.append(.init(field: idField, message: "must be 24 uppercase letters and digits"))
                holder = nil
            case (_, nil):
                holder = nil
            }
            let scopes = version == .v3 ? nil : askedScopes(in: body, &problems)
            try problems.throwIfAny()
            guard let holder, let secretKey else { throw APIError.validation(problems) }
            return TokenRequest(holder: holder, secretKey: secretKey, scopes: scopes)
        }

        /// `scopes`: absent or `null` for all the app may have, else one or more names of scopes hookd grants.
        private static func askedScopes(in body: JSONObjectBody, _ problems: inout [APIError.FieldError]) -> [Scope]? {
            if body.value("scopes") == nil || body.value("scopes") == .null { return nil }
            guard let names = body.stringArray("scopes", &problems) else { return nil }
            guard !names.isEmpty else {
                problems.append(.init(field: "scopes", message: "must name a scope, or be left out for every scope"))
                return nil
            }
            // The names are not echoed: a body may be 256 KiB of them.
            let scopes = names.compactMap(Scope.init(rawValue:))
            guard scopes.count == names.count else {
                let known = Scope.allCases.map(\.rawValue).joined(separator: ", ")
                problems.append(.init(field: "scopes", message: "may name only scopes hookd grants: \(known)"))
                return nil
            }
            return Scope.allCases.filter(scopes.contains)
        }
    }
}

extension APIError {
    /// A suspended app at v3.20's token routes, as Fyatu's v3.20 pages name it (`FYATU-V3.20.md` §1.1.5); v3's routes
    /// answer ``appInactive``.
    static let businessInactive = APIError(
        status: .unauthorized,
        code: "AUTH_BUSINESS_INACTIVE",
        message: "The business is suspended",
        detail: "Contact the platform to reactivate the app"
    )
}
