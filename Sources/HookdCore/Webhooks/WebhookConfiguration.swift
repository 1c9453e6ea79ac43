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

    /// The configuration the app's v3 endpoint holds: the v3 URL is an endpoint too (``Endpoint``), and this is its
    /// URL and secret as the v3 routes show them.
    ///
    /// - Parameter endpoint: The app's endpoint in the ``Endpoint/Format/v3`` format.
    public init(_ endpoint: Endpoint) {
        appID = endpoint.appID
        url = endpoint.url
        sealedSecret = endpoint.sealedSecret
        secretVersion = endpoint.secretVersion
        createdAt = endpoint.createdAt
        updatedAt = endpoint.updatedAt
    }

    /// Whether deliveries can be sent: a URL is set.
    public var isConfigured: Bool { url != nil }
}
