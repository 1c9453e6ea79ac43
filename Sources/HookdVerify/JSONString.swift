/// Decoding of JSON string content that ``JSONCursor`` has already checked.
package enum JSONString {
    /// The value of one hexadecimal digit, or `nil`.
    static func hexValue(_ byte: UInt8) -> UInt16? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt16(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt16(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt16(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// The UTF-8 bytes a JSON parser would produce for string content with escapes.
    ///
    /// The content must be that of a key or string token from ``JSONCursor/next()``. An unpaired surrogate
    /// escape becomes U+FFFD, as most parsers do, so it can never equal an ASCII key.
    ///
    /// - Parameters:
    ///   - content: The bytes between the quotes.
    ///   - limit: Stop and return `nil` once the output would exceed this many bytes.
    ///   - loneSurrogate: Called with the offset of the backslash of each `\u` escape of a UTF-16 surrogate outside a
    ///     high-low pair (what a cursor made with `rejectingLoneSurrogates: true` refuses).
    /// - Returns: The decoded bytes, or `nil` when they would be longer than `limit`.
    package static func decode(
        _ content: UnsafeBufferPointer<UInt8>.SubSequence,
        limit: Int = .max,
        loneSurrogate: (_ backslash: Int) -> Void = { _ in }
    ) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(min(content.count, limit))
        var index = content.startIndex
        let base = content.base
        func unit(at offset: Int) -> UInt16 {
            (hexValue(base[offset])! << 12) | (hexValue(base[offset + 1])! << 8)
                | (hexValue(base[offset + 2])! << 4) | hexValue(base[offset + 3])!
        }
        while index < content.endIndex {
            guard output.count <= limit else { return nil }
            let byte = base[index]
            guard byte == ASCII.backslash else {
                output.append(byte)
                index += 1
                continue
            }
            let kind = base[index + 1]
            index += 2
            switch kind {
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                let first = unit(at: index)
                index += 4
                var scalar: Unicode.Scalar?
                if UTF16.isLeadSurrogate(first), index + 6 <= content.endIndex, base[index] == ASCII.backslash,
                    base[index + 1] == UInt8(ascii: "u"), UTF16.isTrailSurrogate(unit(at: index + 2))
                {
                    let second = unit(at: index + 2)
                    index += 6
                    scalar = Unicode.Scalar(0x10000 + ((UInt32(first) - 0xD800) << 10) + (UInt32(second) - 0xDC00))
                } else {
                    scalar = Unicode.Scalar(first)
                    if scalar == nil { loneSurrogate(index - 6) }
                }
                output.append(contentsOf: (scalar ?? "\u{FFFD}").utf8)
            default: output.append(kind)  // `"`, `\` and `/` stand for themselves
            }
        }
        return output.count <= limit ? output : nil
    }

    /// The text a JSON parser would read from a key or string token's content.
    ///
    /// - Parameters:
    ///   - content: The bytes between the quotes of a token from ``JSONCursor/next()``.
    ///   - hasEscapes: The token's ``JSONCursor/Token/hasEscapes``; without escapes the content is the text.
    ///   - loneSurrogate: Called with the offset of the backslash of each unpaired surrogate escape, which the text
    ///     holds as U+FFFD.
    /// - Returns: The decoded string.
    package static func text(
        _ content: UnsafeBufferPointer<UInt8>.SubSequence,
        hasEscapes: Bool,
        loneSurrogate: (_ backslash: Int) -> Void = { _ in }
    ) -> String {
        guard hasEscapes else { return String(decoding: content, as: UTF8.self) }
        // Never `nil` without a limit.
        return String(decoding: decode(content, loneSurrogate: loneSurrogate) ?? [], as: UTF8.self)
    }
}
