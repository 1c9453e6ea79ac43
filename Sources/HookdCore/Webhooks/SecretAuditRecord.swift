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
