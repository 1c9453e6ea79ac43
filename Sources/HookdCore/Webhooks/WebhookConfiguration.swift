/// An app's webhook configuration as stored: the one URL and the sealed signing secret.
public struct WebhookConfiguration: Sendable, Equatable {
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
