import Crypto

/// An Ed25519 public key that checks Standard Webhooks `v1a` signatures.
///
/// A key is written `whpk_` followed by the padded standard base64 of its 32 raw bytes, as hookd shows it
/// when it creates an `ED25519` endpoint; its endpoint's `publicKeysUrl` serves the same bytes as a JWKS
/// (`"x"` in base64url).
///
/// ```swift
/// let key = try WebhookPublicKey(configuration.webhookPublicKey)  // whpk_…, as the endpoint's create answered
/// let verifier = try WebhookVerifier(publicKeys: [key.description])
/// ```
///
/// - Important: A public key is not a secret: its description is the `whpk_…` string itself.
public struct WebhookPublicKey: Sendable, Hashable, CustomStringConvertible {
    /// The prefix every hookd public key carries.
    public static let prefix = "whpk_"

    /// The 32 raw bytes of the key.
    public let rawRepresentation: [UInt8]

    let key: Curve25519.Signing.PublicKey

    /// Reads a key written `whpk_` + base64.
    ///
    /// - Parameters:
    ///   - string: `whpk_` followed by the padded standard base64 of 32 bytes.
    /// - Throws: ``WebhookVerificationError/invalidPublicKey`` when the string is not such a key.
    public init(_ string: String) throws(WebhookVerificationError) {
        guard string.hasPrefix(Self.prefix), let bytes = Base64.decode(string.dropFirst(Self.prefix.count)) else {
            throw .invalidPublicKey
        }
        try self.init(rawRepresentation: bytes)
    }

    /// Makes a key of its 32 raw bytes.
    ///
    /// - Parameters:
    ///   - rawRepresentation: The key's 32 bytes (RFC 8032's encoding).
    /// - Throws: ``WebhookVerificationError/invalidPublicKey`` when the bytes are not an Ed25519 public key.
    public init(rawRepresentation: some Collection<UInt8>) throws(WebhookVerificationError) {
        let bytes = Array(rawRepresentation)
        guard bytes.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes) else {
            throw .invalidPublicKey
        }
        self.rawRepresentation = bytes
        self.key = key
    }

    init(_ key: Curve25519.Signing.PublicKey) {
        self.rawRepresentation = Array(key.rawRepresentation)
        self.key = key
    }

    /// The key as `whpk_` + padded standard base64.
    public var description: String { Self.prefix + Base64.encode(rawRepresentation) }

    /// The key's bytes in unpadded base64url, the `"x"` member of its JSON Web Key (RFC 8037).
    public var jwkX: String {
        String(
            Base64.encode(rawRepresentation).compactMap { character -> Character? in
                switch character {
                case "+": "-"
                case "/": "_"
                case "=": nil
                default: character
                }
            }
        )
    }

    /// A short name for the key: the first 16 lowercase hex digits of the SHA-256 of its 32 bytes.
    ///
    /// hookd sends it as `X-Fyatu-Key-Id` with each delivery and as `kid` in the endpoint's JWKS, so a receiver can
    /// tell that a rotation brought a key it has not fetched yet.
    public var keyID: String { String(Hex.encode(SHA256.hash(data: rawRepresentation)).prefix(16)) }

    /// Whether `signature` is this key's Ed25519 signature of `message`.
    func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        key.isValidSignature(signature, for: message)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawRepresentation == rhs.rawRepresentation }

    public func hash(into hasher: inout Hasher) { hasher.combine(rawRepresentation) }
}
