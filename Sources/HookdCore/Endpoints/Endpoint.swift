/// One of an app's webhook endpoints as stored (SPEC §11): where deliveries go, which events, how they are signed.
///
/// The app's v3 URL (SPEC §3) is an endpoint too, in the ``Format/v3`` format: subscribed to every event, and
/// identified by ``Identifiers/v3WebhookID(appID:)``.
public struct Endpoint: Sendable, Equatable {
    /// How deliveries to an endpoint are shaped.
    public enum Format: String, Sendable, CaseIterable {
        /// The v3 body (`event`, `version`, `eventId`, `sign`, `data`) with dot event names.
        case v3 = "V3"
        /// The v3.20 body (`event`, `eventId`, `businessId`, `environment`, `timestamp`, `data`) with UPPERCASE
        /// event names and `X-Fyatu-Environment`.
        case v3_20 = "V3_20"
    }

    /// How deliveries to an endpoint are signed (SPEC §11, §15).
    public enum SigningScheme: String, Sendable, CaseIterable {
        /// HMAC-SHA256 with the endpoint's `whsec_` secret: `X-Fyatu-Signature` and `webhook-signature` `v1`.
        case hmac = "HMAC"
        /// Ed25519 with a key pair hookd makes: `webhook-signature` `v1a`, checked with the public key.
        case ed25519 = "ED25519"
    }

    /// `whk_` and 20 uppercase letters and digits.
    public var id: EndpointID
    public var appID: AppID
    public var format: Format
    /// How its deliveries are signed; every v3 endpoint and every endpoint created before SPEC §15 is `HMAC`.
    public var signingScheme: SigningScheme
    /// The unguessable path segment of an `ED25519` endpoint's public keys (`publicKeysUrl`); `nil` for `HMAC`.
    public var publicKeysToken: String?
    /// Whether events that share an ordering key go one at a time (SPEC §15); v3 endpoints are `NONE`.
    public var ordering: EndpointOrdering
    /// Where deliveries go; `nil` only for a v3 endpoint whose URL was cleared (or never set).
    public var url: String?
    public var description: String
    /// The catalogue (dot) names subscribed to; `nil`: every event (the v3 endpoint).
    public var events: [String]?
    /// The custom request headers, sealed by ``EndpointHeaders/sealed(by:appID:endpointID:)``; `nil`: none.
    public var sealedHeaders: [UInt8]?
    /// At most this many deliveries per second, across every node; `nil`: no limit of its own.
    public var rateLimit: Int?
    public var status: EndpointStatus
    public var disabledReason: EndpointDisabledReason?
    /// `whsec_` and the secret's first 6 characters after it, for recognising which secret is in force.
    public var secretPrefix: String?
    /// The secret sealed by ``SecretSealer``; `nil` until a v3 endpoint first gets a URL.
    public var sealedSecret: [UInt8]?
    /// Bumped by every rotation, so a cached decrypted secret can tell it is stale.
    public var secretVersion: Int64
    /// The secret before the last rotation, while its overlap lasts: deliveries carry signatures by both.
    public var previousSealedSecret: [UInt8]?
    /// When the overlap ends and the previous secret is dead.
    public var previousSecretUntil: UnixMillis?
    /// Attempts failed in a row.
    public var failureCount: Int
    /// When the current run of failures began; `nil` after a success.
    public var failingSince: UnixMillis?
    public var lastDeliveryAt: UnixMillis?
    /// `SUCCEEDED` or `FAILED`: how the last attempt ended.
    public var lastDeliveryStatus: String?
    /// Attempts made, and of those, attempts that failed.
    public var totalDeliveries: Int64
    public var totalFailures: Int64
    public var createdAt: UnixSeconds
    public var updatedAt: UnixSeconds

    public init(
        id: EndpointID,
        appID: AppID,
        format: Format,
        signingScheme: SigningScheme = .hmac,
        publicKeysToken: String? = nil,
        ordering: EndpointOrdering = .none,
        url: String?,
        description: String = "",
        events: [String]?,
        sealedHeaders: [UInt8]? = nil,
        rateLimit: Int? = nil,
        status: EndpointStatus = .active,
        disabledReason: EndpointDisabledReason? = nil,
        secretPrefix: String? = nil,
        sealedSecret: [UInt8]?,
        secretVersion: Int64 = 1,
        previousSealedSecret: [UInt8]? = nil,
        previousSecretUntil: UnixMillis? = nil,
        failureCount: Int = 0,
        failingSince: UnixMillis? = nil,
        lastDeliveryAt: UnixMillis? = nil,
        lastDeliveryStatus: String? = nil,
        totalDeliveries: Int64 = 0,
        totalFailures: Int64 = 0,
        createdAt: UnixSeconds,
        updatedAt: UnixSeconds
    ) {
        self.id = id
        self.appID = appID
        self.format = format
        self.signingScheme = signingScheme
        self.publicKeysToken = publicKeysToken
        self.ordering = ordering
        self.url = url
        self.description = description
        self.events = events
        self.sealedHeaders = sealedHeaders
        self.rateLimit = rateLimit
        self.status = status
        self.disabledReason = disabledReason
        self.secretPrefix = secretPrefix
        self.sealedSecret = sealedSecret
        self.secretVersion = secretVersion
        self.previousSealedSecret = previousSealedSecret
        self.previousSecretUntil = previousSecretUntil
        self.failureCount = failureCount
        self.failingSince = failingSince
        self.lastDeliveryAt = lastDeliveryAt
        self.lastDeliveryStatus = lastDeliveryStatus
        self.totalDeliveries = totalDeliveries
        self.totalFailures = totalFailures
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension WebhookSecret {
    /// What an endpoint shows of its secret: `whsec_` and the next 6 characters.
    public var prefixShown: String {
        String(value.prefix(WebhookSecret.prefix.count + 6))
    }
}

extension Endpoint {
    /// When the endpoint will be disabled if every attempt keeps failing, `disableAfter` after its failures began:
    /// only an active v3.20 endpoint that is failing has such a date (SPEC §14); the v3 URL is never disabled.
    public func disableAt(after disableAfter: Duration) -> UnixSeconds? {
        guard format == .v3_20, status == .active, let failingSince else { return nil }
        return (failingSince + disableAfter).unixSeconds
    }
}
