import Crypto
import HookdVerify

/// An app's credential for `POST /auth/token`: `sk_` and 48 base62 characters.
///
/// Shown once when it is created; hookd stores only ``digest``.
public struct AppSecretKey: Sendable, CustomStringConvertible {
    /// The prefix every app secret key carries.
    public static let prefix = "sk_"

    /// The key in the clear.
    public let value: String

    /// Wraps a presented key (any string; a wrong one simply fails to match).
    public init(_ value: String) {
        self.value = value
    }

    /// Draws a new key from the system CSPRNG.
    public static func generate() -> AppSecretKey {
        AppSecretKey(prefix + RandomString.make(count: 48, from: RandomString.base62))
    }

    /// The SHA-256 digest of the key, as stored.
    ///
    /// A plain digest is enough here: the key carries about 285 bits of randomness, so there is no dictionary to try.
    public var digest: [UInt8] {
        Array(SHA256.hash(data: Array(value.utf8)))
    }

    /// Whether this key hashes to `storedDigest`, compared in constant time.
    public func matches(digest storedDigest: [UInt8]) -> Bool {
        ConstantTime.equals(digest, storedDigest)
    }

    public var description: String { "sk_<redacted>" }
}
