/// Why a delivery, a body or a secret was refused.
///
/// Compare errors with `==` against the static members, for example
/// `error == .noMatchingSignature(.standardWebhooks)`. The ``description`` is safe to log:
/// it never contains the secret, a signature (expected or received) or body content, only
/// header names, scheme names, reasons and byte offsets.
///
/// ```swift
/// let verifier = try WebhookVerifier(secret: configuration.webhookSecret)
/// var rejection: WebhookVerificationError?
/// do {
///     _ = try verifier.verify(body: Array(#"{"event":"card.funded","data":{}}"#.utf8), headers: [:])
/// } catch {
///     rejection = error  // typed throws: `error` is a WebhookVerificationError
/// }
/// // rejection == .noSignature, and "\(rejection!)" is safe to log.
/// ```
public struct WebhookVerificationError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case missingHeader(String)
        case malformedHeader(String)
        case timestampTooOld(SignatureScheme)
        case timestampInFuture(SignatureScheme)
        case noMatchingSignature(SignatureScheme)
        case noSignature
        case signOnly
        case malformedBody(BodyIssue, offset: Int)
        case missingBodyKey(String)
        case duplicateBodyKey(String, offset: Int)
        case invalidSecret
        case secretCannotVerify(SignatureScheme)
        case invalidPublicKey
        case publicKeyCannotVerify(SignatureScheme)
    }

    private let code: Code

    private init(_ code: Code) {
        self.code = code
    }

    /// A header a scheme needs is absent.
    ///
    /// Thrown when part of a header scheme is present and part is not (for example `webhook-id`
    /// without `webhook-signature`), and when a scheme the caller requires is missing.
    ///
    /// - Parameters:
    ///   - name: The header's name as hookd spells it (see ``WebhookHeaderName``).
    /// - Returns: The error.
    public static func missingHeader(_ name: String) -> Self { Self(.missingHeader(name)) }

    /// A header is present but cannot be read.
    ///
    /// For example a timestamp that is not a decimal number of seconds, an `X-Fyatu-Signature`
    /// without `t=`, or the same header given twice with different values.
    ///
    /// - Parameters:
    ///   - name: The header's name as hookd spells it (see ``WebhookHeaderName``).
    /// - Returns: The error.
    public static func malformedHeader(_ name: String) -> Self { Self(.malformedHeader(name)) }

    /// A scheme's timestamp is further in the past than the tolerance allows.
    ///
    /// - Parameters:
    ///   - scheme: The header scheme whose timestamp is stale.
    /// - Returns: The error.
    public static func timestampTooOld(_ scheme: SignatureScheme) -> Self { Self(.timestampTooOld(scheme)) }

    /// A scheme's timestamp is further in the future than the tolerance allows.
    ///
    /// - Parameters:
    ///   - scheme: The header scheme whose timestamp is ahead of the clock.
    /// - Returns: The error.
    public static func timestampInFuture(_ scheme: SignatureScheme) -> Self { Self(.timestampInFuture(scheme)) }

    /// No signature of a present scheme matches the one computed with the secret.
    ///
    /// Either the secret is not the one the sender used, or the body (or, for header schemes, the
    /// id or timestamp) was changed after signing.
    ///
    /// - Parameters:
    ///   - scheme: The scheme that failed.
    /// - Returns: The error.
    public static func noMatchingSignature(_ scheme: SignatureScheme) -> Self { Self(.noMatchingSignature(scheme)) }

    /// The delivery carries none of the three signature schemes.
    public static let noSignature = Self(.noSignature)

    /// The delivery's only signature is the v3 `sign`, which covers `data` alone: no time and no event name, so a
    /// delivery captured once could be replayed for ever with its headers stripped. Refused unless the verifier was
    /// made with `allowingSignOnly: true`.
    public static let signOnly = Self(.signOnly)

    /// The body is not a well-formed JSON object.
    ///
    /// - Parameters:
    ///   - issue: What is wrong.
    ///   - offset: The offset of the first offending byte from the start of the body
    ///     (the body's length when it ends too early).
    /// - Returns: The error.
    public static func malformedBody(_ issue: BodyIssue, at offset: Int) -> Self {
        Self(.malformedBody(issue, offset: offset))
    }

    /// The body is a JSON object without a top-level key it must have.
    ///
    /// - Parameters:
    ///   - key: The missing key, such as `data`.
    /// - Returns: The error.
    public static func missingBodyKey(_ key: String) -> Self { Self(.missingBodyKey(key)) }

    /// A top-level key the verifier reads appears twice, so which value counts is ambiguous.
    ///
    /// Keys are compared after decoding escapes, as a JSON parser would: `"d\u0061ta"` is a
    /// second `data`.
    ///
    /// - Parameters:
    ///   - key: The duplicated key, such as `data`.
    ///   - offset: The offset of the second occurrence's opening quote.
    /// - Returns: The error.
    public static func duplicateBodyKey(_ key: String, at offset: Int) -> Self {
        Self(.duplicateBodyKey(key, offset: offset))
    }

    /// The secret cannot key any scheme: it is empty, is `whsec_` alone, or begins or ends with a space or a
    /// control character (such as the line break of the file it was read from).
    ///
    /// Any other string is a valid secret for the v3 and `X-Fyatu-Signature` schemes; see
    /// ``secretCannotVerify(_:)`` for Standard Webhooks.
    public static let invalidSecret = Self(.invalidSecret)

    /// A delivery carries a scheme, or the caller requires one, that the secret cannot check.
    ///
    /// Only Standard Webhooks has such a limit: its key is the base64 after `whsec_`, so a secret of another
    /// shape (for example 64 hex digits without a prefix, or `whsec_` followed by something that is not
    /// standard base64) cannot check a `webhook-signature` header. A delivery that carries one is refused with
    /// this error rather than accepted on its other schemes, because a present signature that nobody checked
    /// must not pass silently. A receiver that holds such a secret and trusts the other schemes alone says so
    /// in its own code: it leaves `webhook-signature` out of the headers it passes to the verifier.
    ///
    /// ```swift
    /// let verifier = try WebhookVerifier(secret: configuration.webhookSecret)  // a bare secret: 64 hex digits
    /// // A decision made in the open: this receiver does without the Standard Webhooks signature.
    /// let checkable = headers.filter { $0.key.lowercased() != WebhookHeaderName.webhookSignature }
    /// let delivery = try verifier.verify(body: body, headers: checkable)  // v3 sign and X-Fyatu-Signature
    /// ```
    ///
    /// - Parameters:
    ///   - scheme: The scheme the secret cannot check (``SignatureScheme/standardWebhooks``).
    /// - Returns: The error.
    public static func secretCannotVerify(_ scheme: SignatureScheme) -> Self { Self(.secretCannotVerify(scheme)) }

    /// A public key is not `whpk_` followed by the padded standard base64 of an Ed25519 key's 32 bytes.
    public static let invalidPublicKey = Self(.invalidPublicKey)

    /// A delivery carries an HMAC scheme that a verifier of public keys cannot check.
    ///
    /// Public keys check `v1a` entries of `webhook-signature` alone; a delivery to an `ED25519` endpoint carries
    /// no `X-Fyatu-Signature` and no `sign`. One that does is refused rather than accepted with that signature
    /// unchecked.
    ///
    /// - Parameters:
    ///   - scheme: The scheme present that the keys cannot check (``SignatureScheme/fyatu`` or ``SignatureScheme/v3``).
    /// - Returns: The error.
    public static func publicKeyCannotVerify(_ scheme: SignatureScheme) -> Self {
        Self(.publicKeyCannotVerify(scheme))
    }

    /// A one-line explanation that names headers, schemes and offsets but never secrets,
    /// signatures or body content.
    public var description: String {
        switch code {
        case .missingHeader(let name):
            "missing header \(name)"
        case .malformedHeader(let name):
            "malformed header \(name)"
        case .timestampTooOld(let scheme):
            "\(scheme) timestamp is older than the tolerance allows"
        case .timestampInFuture(let scheme):
            "\(scheme) timestamp is further in the future than the tolerance allows"
        case .noMatchingSignature(let scheme):
            "no matching \(scheme) signature"
        case .noSignature:
            "no signature: the delivery carries none of v3 sign, X-Fyatu-Signature or webhook-signature"
        case .signOnly:
            "only the v3 sign, which covers no timestamp: a captured delivery could be replayed; "
                + "X-Fyatu-Signature or webhook-signature is required unless sign-only deliveries are allowed"
        case .malformedBody(let issue, let offset):
            "malformed body: \(issue) at byte \(offset)"
        case .missingBodyKey(let key):
            "malformed body: no top-level \"\(key)\" key"
        case .duplicateBodyKey(let key, let offset):
            "malformed body: duplicate top-level \"\(key)\" key at byte \(offset)"
        case .invalidSecret:
            "invalid webhook secret: it is empty, is \"whsec_\" alone, or begins or ends with a space or a line break"
        case .secretCannotVerify(.standardWebhooks):
            "the webhook secret cannot check standard-webhooks signatures, which need a secret of \"whsec_\" "
                + "followed by standard base64"
        case .secretCannotVerify(let scheme):
            "the webhook secret cannot check \(scheme) signatures"
        case .invalidPublicKey:
            "invalid public key: it must be \"whpk_\" followed by the standard base64 of 32 bytes"
        case .publicKeyCannotVerify(let scheme):
            "a public key checks only webhook-signature v1a entries, and the delivery carries \(scheme)"
        }
    }
}

extension WebhookVerificationError {
    /// What is wrong with a body that is not a well-formed JSON object.
    ///
    /// Used with ``WebhookVerificationError/malformedBody(_:at:)``.
    public struct BodyIssue: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case unexpectedEnd = "unexpected end of input (truncated JSON)"
            case unexpectedCharacter = "unexpected character"
            case notAnObject = "the top level is not a JSON object"
            case invalidString = "control character or invalid escape in a string"
            case invalidUTF8 = "invalid UTF-8 in a string"
            case invalidNumber = "invalid number"
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The body ends before the JSON does (truncated input, an unclosed string or container, empty input).
        public static let unexpectedEnd = Self(.unexpectedEnd)
        /// A byte that JSON does not allow where it stands: unbalanced or mismatched brackets,
        /// a missing comma or colon, a bad literal, or anything after the closing brace.
        public static let unexpectedCharacter = Self(.unexpectedCharacter)
        /// The body is valid so far but its top level is not an object.
        public static let notAnObject = Self(.notAnObject)
        /// A string holds a raw control character or an escape JSON does not define.
        public static let invalidString = Self(.invalidString)
        /// A string holds bytes that are not well-formed UTF-8.
        public static let invalidUTF8 = Self(.invalidUTF8)
        /// A number does not follow JSON's number grammar (for example `-`, `1.` or `1e`).
        public static let invalidNumber = Self(.invalidNumber)

        /// A short explanation of the issue.
        public var description: String { base.rawValue }
    }
}
