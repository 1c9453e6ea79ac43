import Crypto

/// Signs hookd deliveries with the three schemes of a webhook secret.
///
/// The three keys are derived once, when the signer is made, and kept as keyed `HMAC<SHA256>` values;
/// each signature copies one and feeds it the message, which is several times faster than keying a
/// fresh HMAC per message. A signer is a value: share it freely across tasks.
///
/// - v3 (`sign` in the body): `hex(HMAC-SHA256(key: the secret's ASCII bytes, "whsec_" included,
///   message: the raw bytes of the data value))`.
/// - `X-Fyatu-Signature`: `t=<ts>,v1=<hex(HMAC-SHA256(key: the ASCII bytes of hex(SHA-256(secret)),
///   message: "<ts>." + body))>`.
/// - Standard Webhooks (`webhook-signature`): `v1,<base64(HMAC-SHA256(key: base64-decode(the secret
///   without "whsec_"), message: "<id>.<ts>." + body))>`.
///
/// ```swift
/// let secret = configuration.webhookSecret  // the app's whsec_… secret, never a literal
/// let signer = try WebhookSigner(secret: secret)
/// let data = Array(#"{"cardId":"crd_1","amount":"25.00"}"#.utf8)
/// let sign = signer.v3Sign(data: data)
/// let envelope = #"{"event":"card.funded","version":"3.0","eventId":"evt_1","sign":"\#(sign)","data":"#
/// let body = Array(envelope.utf8) + data + Array("}".utf8)
/// let fyatu = signer.fyatuSignatureHeader(timestamp: 1_767_225_600, body: body)  // t=1767225600,v1=…
/// let standard = signer.standardSignatureHeader(id: "evt_1", timestamp: 1_767_225_600, body: body)  // v1,…
/// ```
///
/// - Important: The signer never exposes its keys: its description and reflection are redacted.
public struct WebhookSigner: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The prefix every hookd webhook secret carries.
    public static let secretPrefix = "whsec_"

    private let v3Key: HMAC<SHA256>
    private let fyatuKey: HMAC<SHA256>
    private let standardKey: HMAC<SHA256>

    /// Derives the three signing keys from a webhook secret.
    ///
    /// - Parameters:
    ///   - secret: The secret as hookd hands it out: `whsec_` followed by standard base64
    ///     (hookd's own secrets are 32 characters of `[a-z0-9]`, a 24-byte key).
    /// - Throws: ``WebhookVerificationError/invalidSecret`` when the prefix is missing or the rest is empty
    ///   or not valid standard base64 (padding required, no whitespace).
    public init(secret: String) throws(WebhookVerificationError) {
        let bytes = Array(secret.utf8)
        let prefix = Array(Self.secretPrefix.utf8)
        guard bytes.count > prefix.count, bytes.starts(with: prefix) else { throw .invalidSecret }
        let encodedKey = String(decoding: bytes[prefix.count...], as: UTF8.self)
        guard let standardKeyBytes = Base64.decode(encodedKey), !standardKeyBytes.isEmpty else {
            throw .invalidSecret
        }
        // Valid base64 is ASCII, so `bytes` are the secret's ASCII bytes.
        self.v3Key = HMAC(key: SymmetricKey(data: bytes))
        self.fyatuKey = HMAC(key: SymmetricKey(data: Array(Hex.encode(SHA256.hash(data: bytes)).utf8)))
        self.standardKey = HMAC(key: SymmetricKey(data: standardKeyBytes))
    }

    /// Computes the v3 `sign` value for the raw bytes of a delivery's `data` value.
    ///
    /// - Parameters:
    ///   - data: The exact bytes of the `data` value as they appear in the body.
    /// - Returns: 64 lowercase hexadecimal digits.
    public func v3Sign(data: some Collection<UInt8>) -> String {
        Hex.encode(v3Code(data: data))
    }

    /// Computes the `X-Fyatu-Signature` header value for a body sent at `timestamp`.
    ///
    /// - Parameters:
    ///   - timestamp: The attempt's send time in Unix seconds.
    ///   - body: The exact body bytes.
    /// - Returns: `t=<timestamp>,v1=<64 lowercase hex>`.
    public func fyatuSignatureHeader(timestamp: Int64, body: some Collection<UInt8>) -> String {
        "t=\(timestamp),v1=\(Hex.encode(fyatuCode(timestamp: timestamp, body: body)))"
    }

    /// Computes the Standard Webhooks `webhook-signature` header value.
    ///
    /// - Parameters:
    ///   - id: The `webhook-id` header value (hookd sends the `eventId`).
    ///   - timestamp: The `webhook-timestamp` header value, the attempt's send time in Unix seconds.
    ///   - body: The exact body bytes.
    /// - Returns: `v1,<padded standard base64 of the 32-byte MAC>`.
    public func standardSignatureHeader(id: String, timestamp: Int64, body: some Collection<UInt8>) -> String {
        "v1,\(Base64.encode(standardCode(id: id, timestamp: timestamp, body: body)))"
    }

    /// A redacted description that never shows key material.
    public var description: String { "WebhookSigner(<redacted>)" }

    /// A redacted description that never shows key material.
    public var debugDescription: String { description }

    /// A mirror without children, so `dump` and debuggers do not print the keyed hash states.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    // MARK: MACs, for signing and for the verifier

    func v3Code(data: some Collection<UInt8>) -> HMAC<SHA256>.MAC {
        var authenticator = v3Key
        authenticator.update(bytes: data)
        return authenticator.finalize()
    }

    func fyatuCode(timestamp: Int64, body: some Collection<UInt8>) -> HMAC<SHA256>.MAC {
        var authenticator = fyatuKey
        authenticator.update(bytes: Array("\(timestamp).".utf8))
        authenticator.update(bytes: body)
        return authenticator.finalize()
    }

    func standardCode(id: String, timestamp: Int64, body: some Collection<UInt8>) -> HMAC<SHA256>.MAC {
        var authenticator = standardKey
        authenticator.update(bytes: Array("\(id).\(timestamp).".utf8))
        authenticator.update(bytes: body)
        return authenticator.finalize()
    }
}
