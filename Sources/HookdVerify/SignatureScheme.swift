/// One of the three ways a hookd delivery is signed.
///
/// The raw value is the name `hookd verify` prints and the one used in configuration:
/// `v3` is the `sign` field in the body, `x-fyatu-signature` the Fyatu v3.20 header scheme and
/// `standard-webhooks` the Standard Webhooks (Svix-compatible) header scheme.
///
/// ```swift
/// let names = SignatureScheme.allCases.map(\.rawValue)  // ["v3", "x-fyatu-signature", "standard-webhooks"]
/// let insisted: Set<SignatureScheme> = [.standardWebhooks]  // for verify(body:headers:requiring:)
/// ```
public enum SignatureScheme: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The `sign` field of the body: `hex(HMAC-SHA256(secret, raw bytes of the data value))`.
    case v3 = "v3"
    /// The `X-Fyatu-Signature: t=<ts>,v1=<hex>` header over `"<ts>." + body`.
    case fyatu = "x-fyatu-signature"
    /// The `webhook-id`, `webhook-timestamp` and `webhook-signature` headers over `"<id>.<ts>." + body`.
    case standardWebhooks = "standard-webhooks"

    /// The scheme's raw value.
    public var description: String { rawValue }
}
