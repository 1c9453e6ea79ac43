/// An app's webhook configuration as stored: the one URL and the sealed signing secret.
public struct WebhookEndpoint: Sendable, Equatable {
    /// The app this configuration belongs to.
    public var appID: AppID
    /// Where deliveries go; `nil` while delivery is disabled.
    public var url: String?
    /// The webhook secret sealed by ``SecretSealer``; `nil` until a URL is first set.
    public var sealedSecret: [UInt8]?
    /// Bumped by every regeneration, so a cached decrypted secret can tell it is stale.
    public var secretVersion: Int64
    /// When the configuration was first written.
    public var createdAt: UnixSeconds
    /// When it last changed.
    public var updatedAt: UnixSeconds

    public init(
        appID: AppID,
        url: String?,
        sealedSecret: [UInt8]?,
        secretVersion: Int64,
        createdAt: UnixSeconds,
        updatedAt: UnixSeconds
    ) {
        self.appID = appID
        self.url = url
        self.sealedSecret = sealedSecret
        self.secretVersion = secretVersion
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Whether deliveries can be sent: a URL is set.
    public var isConfigured: Bool { url != nil }
}

/// One change of an app's webhook secret, kept for audit. Holds a fingerprint, never the secret.
public struct SecretAuditRecord: Sendable, Equatable {
    /// What happened to the secret.
    public enum Action: String, Sendable {
        /// The first secret, created with the first URL.
        case created
        /// `POST /webhooks/secret/regenerate`.
        case regenerated
    }

    public var appID: AppID
    public var action: Action
    /// The secret version this change produced.
    public var secretVersion: Int64
    /// ``WebhookSecret/fingerprint`` of the new secret.
    public var fingerprint: String
    /// The request that made the change.
    public var requestID: RequestID
    /// The client's address as the server saw it, when known.
    public var clientAddress: String?
    /// When.
    public var at: UnixSeconds

    public init(
        appID: AppID,
        action: Action,
        secretVersion: Int64,
        fingerprint: String,
        requestID: RequestID,
        clientAddress: String?,
        at: UnixSeconds
    ) {
        self.appID = appID
        self.action = action
        self.secretVersion = secretVersion
        self.fingerprint = fingerprint
        self.requestID = requestID
        self.clientAddress = clientAddress
        self.at = at
    }
}
