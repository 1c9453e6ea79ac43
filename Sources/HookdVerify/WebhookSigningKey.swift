import Crypto

/// Signs hookd deliveries with an Ed25519 private key: the Standard Webhooks asymmetric scheme, `v1a`.
///
/// The signature covers the same bytes as the `v1` scheme, `"<id>.<ts>." + body`, and is written
/// `v1a,<padded standard base64 of the 64-byte signature>` in `webhook-signature`. A receiver checks it with
/// the ``publicKey`` alone (``WebhookVerifier/init(publicKeys:tolerance:now:)``), so it never holds a secret
/// that could sign.
///
/// ```swift
/// let key = try WebhookSigningKey(rawRepresentation: sealedKeyBytes)  // the endpoint's key, unsealed
/// let signature = key.standardSignatureHeader(id: "evt_1", timestamp: 1_767_225_600, body: body)  // v1a,…
/// let published = key.publicKey.description  // whpk_…, safe to show
/// ```
///
/// - Important: The key never shows its private bytes in a description or a reflection; only
///   ``rawRepresentation`` gives them, for sealing at rest.
public struct WebhookSigningKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The prefix of a private key's text form: `whsk_` and the padded standard base64 of its 32 bytes.
    public static let privateKeyPrefix = "whsk_"

    private let key: Curve25519.Signing.PrivateKey

    /// The public key that checks this key's signatures.
    public let publicKey: WebhookPublicKey

    /// Makes a new random key.
    public init() {
        self.init(Curve25519.Signing.PrivateKey())
    }

    /// Makes a key of its 32 private bytes.
    ///
    /// - Parameters:
    ///   - rawRepresentation: The 32-byte seed (RFC 8032's private key), as ``rawRepresentation`` gave it.
    /// - Throws: ``WebhookVerificationError/invalidSecret`` when the bytes are not 32 long.
    public init(rawRepresentation: some Collection<UInt8>) throws(WebhookVerificationError) {
        let bytes = Array(rawRepresentation)
        guard bytes.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: bytes) else {
            throw .invalidSecret
        }
        self.init(key)
    }

    /// Reads a key from its text form, ``privateKeyText``.
    ///
    /// ```swift
    /// let opened = try WebhookSigningKey(privateKeyText: key.privateKeyText)  // as hookd seals and opens it
    /// ```
    ///
    /// - Parameters:
    ///   - privateKeyText: `whsk_` followed by the padded standard base64 of the 32 private bytes.
    /// - Throws: ``WebhookVerificationError/invalidSecret`` when the text is not such a key.
    public init(privateKeyText: String) throws(WebhookVerificationError) {
        guard privateKeyText.hasPrefix(Self.privateKeyPrefix),
            let bytes = Base64.decode(privateKeyText.dropFirst(Self.privateKeyPrefix.count))
        else { throw .invalidSecret }
        try self.init(rawRepresentation: bytes)
    }

    private init(_ key: Curve25519.Signing.PrivateKey) {
        self.key = key
        self.publicKey = WebhookPublicKey(key.publicKey)
    }

    /// The 32 private bytes, to seal at rest; never show or log them.
    public var rawRepresentation: [UInt8] { Array(key.rawRepresentation) }

    /// The private key as text, `whsk_` + base64, to seal at rest; never show or log it.
    public var privateKeyText: String { Self.privateKeyPrefix + Base64.encode(rawRepresentation) }

    /// Computes a `webhook-signature` entry signed by this key.
    ///
    /// - Parameters:
    ///   - id: The `webhook-id` header value (hookd sends the `eventId`).
    ///   - timestamp: The `webhook-timestamp` header value, the attempt's send time in Unix seconds.
    ///   - body: The exact body bytes.
    /// - Returns: `v1a,<padded standard base64 of the 64-byte signature>`.
    public func standardSignatureHeader(id: String, timestamp: Int64, body: some Collection<UInt8>) -> String {
        let message = StandardWebhooksMessage.bytes(id: id, timestamp: timestamp, body: body)
        // Signing fails only when the platform's library does, which leaves no signature to send.
        let signature = (try? key.signature(for: message)).map { Array($0) } ?? []
        return "v1a,\(Base64.encode(signature))"
    }

    /// Computes a `webhook-signature` value signed by several keys, as during a rotation's overlap.
    ///
    /// ```swift
    /// let header = WebhookSigningKey.standardSignatureHeader(
    ///     keys: [newKey, oldKey],
    ///     id: "evt_1",
    ///     timestamp: 1_767_225_600,
    ///     body: body
    /// )  // "v1a,<by newKey> v1a,<by oldKey>"
    /// ```
    ///
    /// - Parameters:
    ///   - keys: The keys in force, in the order their entries are written.
    ///   - id: The `webhook-id` header value.
    ///   - timestamp: The `webhook-timestamp` header value in Unix seconds.
    ///   - body: The exact body bytes.
    /// - Returns: The `v1a,` entries joined by single spaces, or `nil` when `keys` is empty.
    public static func standardSignatureHeader(
        keys: [WebhookSigningKey],
        id: String,
        timestamp: Int64,
        body: some Collection<UInt8>
    ) -> String? {
        guard !keys.isEmpty else { return nil }
        return keys.map { $0.standardSignatureHeader(id: id, timestamp: timestamp, body: body) }.joined(separator: " ")
    }

    /// A redacted description that never shows the private key.
    public var description: String { "WebhookSigningKey(public: \(publicKey))" }

    /// A redacted description that never shows the private key.
    public var debugDescription: String { description }

    /// A mirror that shows the public key only.
    public var customMirror: Mirror { Mirror(self, children: ["publicKey": publicKey], displayStyle: .struct) }
}

/// The bytes both Standard Webhooks schemes sign: `"<id>.<ts>." + body`.
enum StandardWebhooksMessage {
    static func bytes(id: String, timestamp: Int64, body: some Collection<UInt8>) -> [UInt8] {
        var message = Array("\(id).\(timestamp).".utf8)
        message.append(contentsOf: body)
        return message
    }
}
