#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Standard base64 (RFC 4648 §4, with padding), as the Standard Webhooks scheme writes keys and signatures.
///
/// Decoding is strict: the length must be a multiple of four, only the standard alphabet is allowed,
/// `=` may appear only as one or two final padding characters, and the bits that padding leaves
/// unused must be zero, so every byte string has exactly one accepted encoding.
public enum Base64 {
    /// Encodes bytes as padded standard base64.
    ///
    /// ```swift
    /// let encoded = Base64.encode(Array("hi".utf8))  // "aGk="
    /// ```
    ///
    /// - Parameters:
    ///   - bytes: The bytes to encode.
    /// - Returns: Standard base64 with `=` padding.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
    }

    /// Decodes padded standard base64.
    ///
    /// ```swift
    /// let decoded = Base64.decode("aGk=")  // [0x68, 0x69]
    /// ```
    ///
    /// - Parameters:
    ///   - string: Standard base64 with its padding; whitespace, the URL-safe alphabet, missing or extra
    ///     padding and non-zero unused bits are refused.
    /// - Returns: The decoded bytes, or `nil` when the string is not valid base64.
    public static func decode(_ string: some StringProtocol) -> [UInt8]? {
        guard let data = Data(base64Encoded: String(string)) else { return nil }
        let bytes = [UInt8](data)
        // Foundation also takes extra padding (`aGk===`), padding alone (`====`) and non-zero unused bits (`aGl=`);
        // only the one encoding that encoding gives back is accepted.
        guard encode(bytes) == string else { return nil }
        return bytes
    }
}
