public import Crypto
import HookdVerify

/// The AES-256 key that seals every secret hookd stores.
///
/// Written as 44 characters of standard base64 (32 bytes) in `HOOKD_MASTER_KEY` or in the key file.
public struct MasterKey: Sendable {
    /// The key itself.
    public let key: SymmetricKey
    /// An eight-byte identifier derived from the key, stored beside each sealed value so that the right key
    /// is chosen while a rotation is under way. It reveals nothing about the key.
    public let identifier: [UInt8]

    /// Wraps 32 key bytes.
    public init(bytes: some Collection<UInt8>) throws(SecretSealingError) {
        guard bytes.count == 32 else { throw .malformedMasterKey }
        self.key = SymmetricKey(data: Array(bytes))
        let digest = HMAC<SHA256>.authenticationCode(for: Array("hookd/master-key-id/v1".utf8), using: key)
        self.identifier = Array(Array(digest).prefix(8))
    }

    /// Parses the written form: base64 of 32 bytes, or 64 hexadecimal digits; surrounding whitespace is ignored.
    public init(encoded: String) throws(SecretSealingError) {
        let trimmed = encoded.trimmingASCIIWhitespace()
        if trimmed.utf8.count == 64, let bytes = Hex.decode(trimmed) {
            try self.init(bytes: bytes)
        } else if let bytes = Base64.decode(trimmed) {
            try self.init(bytes: bytes)
        } else {
            throw .malformedMasterKey
        }
    }

    /// A new key from the system CSPRNG.
    public static func generate() -> MasterKey {
        let key = SymmetricKey(size: .bits256)
        // 32 bytes by construction, so the throwing initialiser cannot fail.
        return try! MasterKey(bytes: key.withUnsafeBytes { Array($0) })
    }

    /// The key's written form: standard base64 of its 32 bytes.
    public var encoded: String {
        key.withUnsafeBytes { Base64.encode(Array($0)) }
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces, tabs and line breaks.
    func trimmingASCIIWhitespace() -> SubSequence {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = lastIndex(where: { !isSpace($0) })!
        return self[start...end]
    }
}
