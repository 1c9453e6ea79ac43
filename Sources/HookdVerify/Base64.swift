#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Standard base64 (RFC 4648 §4, with padding), as the Standard Webhooks scheme writes keys and signatures.
public enum Base64 {
    /// Encodes bytes as padded standard base64.
    ///
    /// ```swift
    /// Base64.encode(Array("hi".utf8)) // "aGk="
    /// ```
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        Data(bytes).base64EncodedString()
    }

    /// Decodes padded standard base64.
    ///
    /// - Returns: `nil` when the string is not valid base64.
    public static func decode(_ string: some StringProtocol) -> [UInt8]? {
        Data(base64Encoded: String(string)).map { Array($0) }
    }
}
