import Crypto
import HookdVerify

/// The secret an app's deliveries are signed with: `whsec_` and 32 characters of `[a-z0-9]`.
///
/// Its description is redacted so that string interpolation into a log line cannot leak it;
/// read ``value`` only where the secret is meant to go (the one response that hands it out, signing).
public struct WebhookSecret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The prefix every webhook secret carries.
    public static let prefix = "whsec_"
    /// How many random characters follow the prefix.
    public static let randomLength = 32

    /// The secret in the clear, prefix included.
    public let value: String

    /// Wraps an existing secret after checking its shape.
    ///
    /// - Returns: `nil` when `value` is not `whsec_` followed by 32 characters of `[a-z0-9]`.
    public init?(_ value: String) {
        guard Self.isWellFormed(value) else { return nil }
        self.value = value
    }

    init(unchecked value: String) {
        self.value = value
    }

    /// `whsec_` and `count` characters drawn from `alphabet` by `generator`.
    static func drawn(
        _ count: Int,
        from alphabet: [UInt8],
        using generator: inout some RandomNumberGenerator
    ) -> WebhookSecret {
        WebhookSecret(unchecked: prefix + RandomString.make(count: count, from: alphabet, using: &generator))
    }

    /// Draws a new secret from `generator` (the system CSPRNG by default).
    public static func generate(using generator: inout some RandomNumberGenerator) -> WebhookSecret {
        drawn(randomLength, from: RandomString.lowercaseAlphanumerics, using: &generator)
    }

    /// Draws a new secret from the system CSPRNG.
    public static func generate() -> WebhookSecret {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    /// Whether `value` is `whsec_` followed by exactly 32 characters of `[a-z0-9]`.
    public static func isWellFormed(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == prefix.utf8.count + randomLength, value.hasPrefix(prefix) else { return false }
        return bytes.dropFirst(prefix.utf8.count).allSatisfy { RandomString.lowercaseAlphanumerics.contains($0) }
    }

    /// A short, non-reversible identifier of the secret for audit records and support conversations.
    ///
    /// It is domain-separated from every key the signature schemes derive (one of them is the plain
    /// SHA-256 of the secret), so the fingerprint never discloses signing material.
    public var fingerprint: String {
        let digest = SHA256.hash(data: Array(("hookd/secret-fingerprint/v1:" + value).utf8))
        return "fp_" + Hex.encode(digest.prefix(8))
    }

    public var description: String { "whsec_<redacted>" }
    public var debugDescription: String { description }
}
