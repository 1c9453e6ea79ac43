public import HookdCore
import HookdStore

/// A one-time link that opens a portal session (SPEC §12).
public struct PortalLink: Sendable, Equatable {
    /// The link to open in a browser; it works once.
    public let url: String
    /// When it stops working if unused.
    public let expiresAt: UnixSeconds
}

extension HookdRuntime {
    /// A one-time portal link for an app's people (`appID`) or for the operator (`nil`), as
    /// `POST /api/v3/internal/portal-sessions` makes it, for `hookd portal-link` and the first start.
    ///
    /// - Throws: ``RuntimeError`` when there is no app with this id.
    public func portalLink(
        appID: AppID?,
        base: PortalPublicURL,
        lifetime: Duration = HookdServerConfiguration.Portal().linkLifetime,
        now: UnixSeconds = SystemWallClock().unixSeconds
    ) async throws -> PortalLink {
        // The reserved app of the operator's webhook has no portal.
        if let appID, appID == OperatorWebhook.appID {
            throw RuntimeError("no app has the id \(appID)")
        }
        if let appID, try await store.app(id: appID) == nil {
            throw RuntimeError("no app has the id \(appID)")
        }
        let tokens = await PortalTokens(
            tokenSigningKey: try await ServerSecrets.tokenSigningKey(store: store, sealer: sealer)
        )
        let link = try await tokens.link(for: appID.map(PortalAudience.app) ?? .operator, now: now, lifetime: lifetime)
        return PortalLink(url: base.link(token: link.token), expiresAt: link.claims.expiresAt)
    }
}
