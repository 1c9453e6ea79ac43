public import HookdCore

/// Each app's webhook configuration (its URL and sealed signing secret) and the audit trail of its secrets.
///
/// "Not found" is `nil`; real failures throw. Every method takes the app's `appID`, so no query can reach another
/// tenant's rows.
public protocol WebhookConfigurationStore: Sendable {
    /// The app's webhook configuration, or `nil` when it was never configured.
    func webhookConfiguration(appID: AppID) async throws -> WebhookConfiguration?

    /// Sets (or with `nil` clears) the app's URL in one write.
    ///
    /// When the app has no secret yet and `url` is not `nil`, `initialSecret` is stored with the URL and its
    /// audit record written in the same transaction; otherwise both are ignored.
    /// - Returns: the configuration after the write, and whether `initialSecret` was stored.
    func setWebhookURL(
        appID: AppID,
        url: String?,
        initialSecret: SealedSecretChange,
        now: UnixSeconds
    ) async throws -> (endpoint: WebhookConfiguration, createdSecret: Bool)

    /// Replaces the app's secret and bumps its version, in one transaction with the audit record.
    ///
    /// Concurrent calls are serialised by the database; the last to commit is the secret in force. With an
    /// `idempotencyKey`, the first call holding the key (within its window) stores the sealed secret under it in
    /// the same transaction; a later call with that key changes nothing and gets the stored one back, and a
    /// concurrent one waits for the first to finish.
    /// - Returns: what happened; nothing is written when the app has no URL configured.
    func replaceWebhookSecret(
        appID: AppID,
        change: SealedSecretChange,
        now: UnixSeconds,
        idempotencyKey: IdempotencyKey?
    ) async throws -> SecretReplacement

    /// The app's secret audit trail, oldest first.
    func secretAuditRecords(appID: AppID) async throws -> [SecretAuditRecord]
}

/// A new sealed secret and what to write to the audit trail about it.
public struct SealedSecretChange: Sendable {
    /// The secret sealed by ``SecretSealer``.
    public var sealedSecret: [UInt8]
    /// The fingerprint of the secret in the clear.
    public var fingerprint: String
    /// The request making the change.
    public var requestID: RequestID
    /// The client's address, when known.
    public var clientAddress: String?
    /// What an endpoint shows of the secret (``WebhookSecret/prefixShown``).
    public var secretPrefix: String?

    public init(
        sealedSecret: [UInt8],
        fingerprint: String,
        requestID: RequestID,
        clientAddress: String?,
        secretPrefix: String? = nil
    ) {
        self.sealedSecret = sealedSecret
        self.fingerprint = fingerprint
        self.requestID = requestID
        self.clientAddress = clientAddress
        self.secretPrefix = secretPrefix
    }
}

/// An `Idempotency-Key` as a store keeps it: the key, and the time before which a stored one no longer counts.
public struct IdempotencyKey: Sendable {
    /// The client's key (1–255 printable ASCII characters).
    public var key: String
    /// A key stored before this is expired and is taken again as new.
    public var notBefore: UnixSeconds

    public init(key: String, notBefore: UnixSeconds) {
        self.key = key
        self.notBefore = notBefore
    }
}

/// What ``WebhookConfigurationStore/replaceWebhookSecret(appID:change:now:idempotencyKey:)`` did.
public enum SecretReplacement: Sendable {
    /// The secret was replaced: the configuration after the write.
    case replaced(WebhookConfiguration)
    /// An earlier call with the same idempotency key stands: the secret it stored (sealed) and when.
    case repeated(sealedSecret: [UInt8], regeneratedAt: UnixSeconds)
    /// The app has no URL configured; nothing was written.
    case notConfigured
}
