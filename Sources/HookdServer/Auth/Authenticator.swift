import Foundation
import HTTPTypes
import HookdCore
import HookdStore

/// Turns an `Authorization` header into a ``Principal``, or the precise error the API answers with.
struct Authenticator: Sendable {
    let tokens: TokenService
    let store: any AppStore & TokenRevocationStore
    let clock: any WallClock

    /// How a token's expiry is judged.
    enum ExpiryRule {
        /// The token must not have expired.
        case strict
        /// The token may have expired up to `grace` ago (refresh); later than that is `AUTH_TOKEN_REFRESH_FAILED`.
        case refreshGrace(Duration)
    }

    /// Authenticates the bearer token in `headers`.
    ///
    /// Checks, in order: a bearer token is present; its header, signature and expiry; it was not revoked; its app
    /// exists and is active; it was issued after the app's credentials last changed (``App/tokensNotBefore``); it
    /// carries `scope` (when one is required).
    func authenticate(
        _ headers: HTTPFields,
        requiring scope: Scope?,
        expiry: ExpiryRule = .strict
    ) async throws -> Principal {
        guard let token = Self.bearerToken(in: headers) else { throw APIError.tokenMissing }
        let claims = try await tokens.claims(of: token)
        let now = clock.unixSeconds
        switch expiry {
        case .strict:
            guard now < claims.expiresAt else { throw APIError.tokenInvalid("The token has expired") }
        case .refreshGrace(let grace):
            guard now <= claims.expiresAt + grace else { throw APIError.refreshFailed }
        }
        guard try await !store.isTokenRevoked(id: claims.jti) else {
            throw APIError.tokenInvalid("The token has been revoked")
        }
        // A v3 token names its app in `sub`, a v3.20 token in `app` (its `sub` is the business): either is taken on
        // every route, and is checked, revoked and retired the same way.
        guard let holder = claims.holder, let app = try await store.app(id: holder.appID),
            app.businessID == holder.businessID
        else {
            throw APIError.tokenInvalid("The token's app does not exist")
        }
        guard app.status == .active else { throw APIError.appInactive }
        guard claims.issuedAt >= app.tokensNotBefore else {
            throw APIError.tokenInvalid("The token was issued before the app's credentials changed")
        }
        let scopes = app.scopes.filter { claims.scopes.contains($0.rawValue) }
        if let scope, !scopes.contains(scope) { throw APIError.scopeDenied(scope.rawValue) }
        return Principal(app: app, scopes: scopes, tokenID: claims.jti, expiresAt: claims.expiresAt)
    }

    /// Authenticates a v3.20 request: a bearer token as ``authenticate(_:requiring:expiry:)`` does, or the app's
    /// secret key (`sk_…`) itself as the bearer (the CaaS flavour of SPEC §11), which carries the app's scopes.
    ///
    /// The key is found by its SHA-256 digest: a lookup by the digest of a 48-character random key discloses
    /// nothing a comparison in constant time would hide.
    func authenticateAllowingSecretKey(_ headers: HTTPFields, requiring scope: Scope) async throws -> Principal {
        guard let bearer = Self.bearerToken(in: headers), bearer.hasPrefix(AppSecretKey.prefix) else {
            return try await authenticate(headers, requiring: scope)
        }
        guard let app = try await store.app(secretKeyDigest: AppSecretKey(bearer).digest) else {
            throw APIError.tokenInvalid("The secret key is not valid")
        }
        guard app.status == .active else { throw APIError.appInactive }
        guard app.scopes.contains(scope) else { throw APIError.scopeDenied(scope.rawValue) }
        return Principal(app: app, scopes: app.scopes, tokenID: TokenID(""), expiresAt: clock.unixSeconds)
    }

    /// The token of an `Authorization: Bearer <token>` header; `nil` when there is none or it is empty.
    static func bearerToken(in headers: HTTPFields) -> String? {
        guard let value = headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
