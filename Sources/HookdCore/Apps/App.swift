/// A tenant of hookd: one customer integration with its credentials, scopes and webhook configuration.
public struct App: Sendable, Equatable {
    /// 16 uppercase letters and digits.
    public var id: AppID
    /// 24 uppercase letters and digits.
    public var businessID: BusinessID
    /// A human-readable name chosen by the operator.
    public var name: String
    /// Which event catalogue applies.
    public var type: AppType
    /// Suspended apps can neither get tokens nor use them.
    public var status: AppStatus
    /// What the app's tokens may do.
    public var scopes: [Scope]
    /// SHA-256 of the app's secret key; the key itself is never stored.
    public var secretKeyDigest: [UInt8]
    /// When the operator created the app.
    public var createdAt: UnixSeconds
    /// Tokens issued before this time are refused: rotating the secret key and suspending the app
    /// move it forward, so every token issued until then stops working at once.
    public var tokensNotBefore: UnixSeconds
    /// `LIVE` or `SANDBOX` (SPEC §11): a SANDBOX app may use `http://` webhook URLs.
    public var environment: AppEnvironment

    public init(
        id: AppID,
        businessID: BusinessID,
        name: String,
        type: AppType,
        status: AppStatus,
        scopes: [Scope],
        secretKeyDigest: [UInt8],
        createdAt: UnixSeconds,
        tokensNotBefore: UnixSeconds = UnixSeconds(0),
        environment: AppEnvironment = .live
    ) {
        self.id = id
        self.businessID = businessID
        self.name = name
        self.type = type
        self.status = status
        self.scopes = scopes
        self.secretKeyDigest = secretKeyDigest
        self.createdAt = createdAt
        self.tokensNotBefore = tokensNotBefore
        self.environment = environment
    }
}

/// The kind of business an app does, which decides its event catalogue.
public enum AppType: String, Sendable, CaseIterable, Codable {
    case issuing
    case collection
}

/// Whether an app may authenticate.
public enum AppStatus: String, Sendable, CaseIterable, Codable {
    case active = "ACTIVE"
    case suspended = "SUSPENDED"
}

/// A permission carried by a token.
public enum Scope: String, Sendable, CaseIterable, Codable {
    /// The `GET` routes.
    case webhooksRead = "webhooks:read"
    /// Every route that changes state or sends a delivery.
    case webhooksWrite = "webhooks:write"
}

extension Scope {
    /// Parses a comma-separated list such as `webhooks:read,webhooks:write`.
    ///
    /// - Returns: `nil` when an entry is not a known scope or the list is empty.
    public static func parseList(_ text: String) -> [Scope]? {
        let scopes = text.split(separator: ",").map { Scope(rawValue: $0.trimmingASCIIWhitespace().description) }
        guard !scopes.isEmpty, scopes.allSatisfy({ $0 != nil }) else { return nil }
        return Scope.allCases.filter { scopes.contains($0) }
    }
}
