import Crypto

/// Signs hookd deliveries with the three schemes of a webhook secret.
///
/// The keys are derived once, when the signer is made, and kept as keyed `HMAC<SHA256>` values;
/// each signature copies one and feeds it the message, which is several times faster than keying a
/// fresh HMAC per message. A signer is a value: share it freely across tasks.
///
/// - v3 (`sign` in the body): `hex(HMAC-SHA256(key: the secret's bytes, "whsec_" included,
///   message: the raw bytes of the data value))`.
/// - `X-Fyatu-Signature`: `t=<ts>,v1=<hex(HMAC-SHA256(key: the ASCII bytes of hex(SHA-256(secret)),
///   message: "<ts>." + body))>`.
/// - Standard Webhooks (`webhook-signature`): `v1,<base64(HMAC-SHA256(key: base64-decode(the secret
///   without "whsec_"), message: "<id>.<ts>." + body))>`.
///
/// The first two take the secret string exactly as it is held, whatever its shape: hookd's v3 secrets
/// (`whsec_` + 32 of `[a-z0-9]`), its v3.20 endpoint secrets (`whsec_` + 64 lowercase hex), or a bare string
/// issued elsewhere, such as 64 hex characters without a prefix. Only Standard Webhooks needs `whsec_`
/// followed by standard base64; ``supportedSchemes`` says whether the secret can serve it.
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
    private let standardKey: HMAC<SHA256>?

    /// Derives the signing keys from a webhook secret of any shape.
    ///
    /// The v3 and `X-Fyatu-Signature` keys are derived from the secret's UTF-8 bytes (ASCII for every
    /// secret hookd issues), so any secret works for them. The Standard Webhooks key is derived only when
    /// the secret is `whsec_` followed by non-empty standard base64 (padding required, no whitespace);
    /// otherwise the signer has none, and ``supportedSchemes`` leaves that scheme out.
    ///
    /// ```swift
    /// let bare = try WebhookSigner(secret: configuration.webhookSecret)  // for example 64 hex digits, no prefix
    /// let schemes = bare.supportedSchemes  // [.v3, .fyatu]: a bare secret cannot serve Standard Webhooks
    /// ```
    ///
    /// - Parameters:
    ///   - secret: The secret exactly as it was issued: `whsec_…` of any length, or a bare string.
    /// - Throws: ``WebhookVerificationError/invalidSecret`` when the secret is empty, is `whsec_` alone, or
    ///   begins or ends with a space or a control character (typically a line break read from a file with
    ///   it, which would otherwise make every signature fail to match without saying why).
    public init(secret: String) throws(WebhookVerificationError) {
        let bytes = Array(secret.utf8)
        guard Self.isUsable(bytes) else { throw .invalidSecret }
        self.v3Key = HMAC(key: SymmetricKey(data: bytes))
        self.fyatuKey = HMAC(key: SymmetricKey(data: Array(Hex.encode(SHA256.hash(data: bytes)).utf8)))
        self.standardKey = Self.standardWebhooksKey(bytes).map { HMAC(key: SymmetricKey(data: $0)) }
    }

    /// The schemes this secret can sign and verify.
    ///
    /// Always ``SignatureScheme/v3`` and ``SignatureScheme/fyatu``; ``SignatureScheme/standardWebhooks`` too
    /// when the secret is `whsec_` followed by standard base64 (as every secret hookd issues is).
    public var supportedSchemes: Set<SignatureScheme> {
        standardKey == nil ? [.v3, .fyatu] : [.v3, .fyatu, .standardWebhooks]
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
        "t=\(timestamp),\(fyatuEntry(timestamp: timestamp, body: body))"
    }

    /// Computes the Standard Webhooks `webhook-signature` header value.
    ///
    /// - Parameters:
    ///   - id: The `webhook-id` header value (hookd sends the `eventId`).
    ///   - timestamp: The `webhook-timestamp` header value, the attempt's send time in Unix seconds.
    ///   - body: The exact body bytes.
    /// - Returns: `v1,<padded standard base64 of the 32-byte MAC>`, or `nil` when the secret cannot serve
    ///   Standard Webhooks (see ``supportedSchemes``): then the delivery goes without `webhook-signature`.
    public func standardSignatureHeader(id: String, timestamp: Int64, body: some Collection<UInt8>) -> String? {
        standardCode(id: id, timestamp: timestamp, body: body).map { "v1,\(Base64.encode($0))" }
    }

    /// A redacted description that never shows key material.
    public var description: String { "WebhookSigner(<redacted>)" }

    /// A redacted description that never shows key material.
    public var debugDescription: String { description }

    /// A mirror without children, so `dump` and debuggers do not print the keyed hash states.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    // MARK: Secrets

    /// Whether the secret's bytes can key the schemes: not empty, not the prefix alone, and neither a space nor
    /// an ASCII control character (a line break, a tab) at either end.
    private static func isUsable(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first, let last = bytes.last, bytes != Array(secretPrefix.utf8) else { return false }
        let isBlank = { (byte: UInt8) in byte <= 0x20 || byte == 0x7F }
        return !isBlank(first) && !isBlank(last)
    }

    /// The Standard Webhooks key: the base64 after `whsec_` decoded, or `nil` when there is no such base64.
    private static func standardWebhooksKey(_ bytes: [UInt8]) -> [UInt8]? {
        let prefix = Array(secretPrefix.utf8)
        guard bytes.count > prefix.count, bytes.starts(with: prefix) else { return nil }
        guard let key = Base64.decode(String(decoding: bytes[prefix.count...], as: UTF8.self)), !key.isEmpty else {
            return nil
        }
        return key
    }

    // MARK: MACs, for signing and for the verifier

    /// `v1=<hex>`, one entry of an `X-Fyatu-Signature` header.
    func fyatuEntry(timestamp: Int64, body: some Collection<UInt8>) -> String {
        "v1=\(Hex.encode(fyatuCode(timestamp: timestamp, body: body)))"
    }

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

    /// The Standard Webhooks MAC, or `nil` when the secret has no Standard Webhooks key.
    func standardCode(id: String, timestamp: Int64, body: some Collection<UInt8>) -> HMAC<SHA256>.MAC? {
        guard var authenticator = standardKey else { return nil }
        authenticator.update(bytes: Array("\(id).\(timestamp).".utf8))
        authenticator.update(bytes: body)
        return authenticator.finalize()
    }
}
