/// Draws strings of characters from an alphabet without modulo bias.
///
/// Bytes come from the generator one at a time; a byte is used only when it falls below the largest
/// multiple of the alphabet's size that fits in a byte, so every character is equally likely.
public enum RandomString {
    /// Lowercase letters and digits: the alphabet of webhook secrets.
    public static let lowercaseAlphanumerics = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
    /// Uppercase letters and digits: the alphabet of app and business identifiers.
    public static let uppercaseAlphanumerics = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
    /// Digits and both cases of letters: the alphabet of app secret keys.
    public static let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
    /// Lowercase hexadecimal digits.
    public static let lowercaseHex = Array("0123456789abcdef".utf8)

    /// Returns `count` characters drawn uniformly from `alphabet`.
    ///
    /// - Parameters:
    ///   - count: The number of characters.
    ///   - alphabet: ASCII bytes to draw from; at most 256 of them.
    ///   - generator: The source of randomness; the system CSPRNG unless a test injects another.
    /// - Returns: The random string.
    public static func make(
        count: Int,
        from alphabet: [UInt8],
        using generator: inout some RandomNumberGenerator
    ) -> String {
        precondition(!alphabet.isEmpty && alphabet.count <= 256, "alphabet must hold 1 to 256 characters")
        let limit = 256 - (256 % alphabet.count)
        var output = [UInt8]()
        output.reserveCapacity(count)
        while output.count < count {
            var word = generator.next()
            for _ in 0..<8 where output.count < count {
                let byte = Int(word & 0xFF)
                word >>= 8
                if byte < limit {
                    output.append(alphabet[byte % alphabet.count])
                }
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Returns `count` characters drawn uniformly from `alphabet` with the system CSPRNG.
    public static func make(count: Int, from alphabet: [UInt8]) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(count: count, from: alphabet, using: &generator)
    }
}
