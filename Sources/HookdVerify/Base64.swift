/// Standard base64 (RFC 4648 §4, with padding), as the Standard Webhooks scheme writes keys and signatures.
///
/// Decoding is strict: the length must be a multiple of four, only the standard alphabet is allowed,
/// `=` may appear only as one or two final padding characters, and the bits that padding leaves
/// unused must be zero, so every byte string has exactly one accepted encoding.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let padding = UInt8(ascii: "=")

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
        let input = Array(bytes)
        var output = [UInt8]()
        output.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= input.count {
            let group = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            output.append(alphabet[Int(group >> 18 & 0x3F)])
            output.append(alphabet[Int(group >> 12 & 0x3F)])
            output.append(alphabet[Int(group >> 6 & 0x3F)])
            output.append(alphabet[Int(group & 0x3F)])
            index += 3
        }
        switch input.count - index {
        case 1:
            let group = UInt32(input[index]) << 16
            output.append(alphabet[Int(group >> 18 & 0x3F)])
            output.append(alphabet[Int(group >> 12 & 0x3F)])
            output.append(padding)
            output.append(padding)
        case 2:
            let group = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
            output.append(alphabet[Int(group >> 18 & 0x3F)])
            output.append(alphabet[Int(group >> 12 & 0x3F)])
            output.append(alphabet[Int(group >> 6 & 0x3F)])
            output.append(padding)
        default:
            break
        }
        return String(decoding: output, as: UTF8.self)
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
        let input = Array(string.utf8)
        guard input.count % 4 == 0 else { return nil }
        var output = [UInt8]()
        output.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            let isLast = index + 4 == input.count
            let paddingCount = isLast ? (input[index + 3] == padding ? (input[index + 2] == padding ? 2 : 1) : 0) : 0
            var group: UInt32 = 0
            for offset in 0..<(4 - paddingCount) {
                guard let value = value(of: input[index + offset]) else { return nil }
                group = group << 6 | UInt32(value)
            }
            group <<= 6 * UInt32(paddingCount)
            switch paddingCount {
            case 0:
                output.append(UInt8(group >> 16 & 0xFF))
                output.append(UInt8(group >> 8 & 0xFF))
                output.append(UInt8(group & 0xFF))
            case 1:
                guard group & 0xFF == 0 else { return nil }
                output.append(UInt8(group >> 16 & 0xFF))
                output.append(UInt8(group >> 8 & 0xFF))
            default:
                guard group & 0xFFFF == 0 else { return nil }
                output.append(UInt8(group >> 16 & 0xFF))
            }
            index += 4
        }
        return output
    }

    private static func value(of character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): character - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): character - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
