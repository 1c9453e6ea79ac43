/// Rewrites a JSON object as the compact, deterministic bytes that hookd stores, signs and delivers.
///
/// An event's `data` is fixed at publish time (SPEC §5.1): those bytes are HMAC-signed and spliced verbatim into every
/// delivery body, so they are produced exactly once, here, by one set of rules:
/// - no whitespace between tokens, object keys in the order given;
/// - numbers copied byte for byte (never parsed to a floating-point value and printed again);
/// - strings decoded, then written as `JSONOutput.writeString(_:into:)` writes them: only `"`, `\` and control
///   characters escaped, `/` and every non-ASCII character as raw UTF-8.
///
/// The reader is strict RFC 8259 and iterative (an explicit stack, no recursion), so its cost is linear in the input
/// and hostile nesting fails fast instead of exhausting the call stack.
public enum CompactJSON {
    /// Rewrites a JSON object compactly.
    ///
    /// The input must be exactly one JSON object, optionally surrounded by whitespace (space, tab, line feed,
    /// carriage return). Rewriting the output again gives the same bytes.
    ///
    /// - Parameters:
    ///   - bytes: The UTF-8 JSON text.
    ///   - maximumDepth: How many objects and arrays may be open at once, the top-level object counting as one.
    /// - Returns: The compact UTF-8 encoding of the object.
    /// - Throws: `CompactJSONError`: `.notAnObject` when the top-level value is something else, `.invalidJSON` for any
    ///   grammar error (including trailing data, a lone surrogate escape or a raw control character in a string),
    ///   `.invalidUTF8` for ill-formed UTF-8 in a string, `.duplicateKey` when an object repeats a key, `.tooDeep`
    ///   when nesting exceeds `maximumDepth`.
    /// - Important: Keys are compared as Swift strings, that is up to Unicode canonical equivalence: `"é"` written
    ///   precomposed and decomposed count as the same key, since receivers decoding into a dictionary keyed by
    ///   `String` could not tell them apart.
    public static func normalizeObject(
        _ bytes: some Collection<UInt8>,
        maximumDepth: Int = 64
    ) throws(CompactJSONError) -> [UInt8] {
        var normalizer = Normalizer(input: Array(bytes), maximumDepth: maximumDepth)
        return try normalizer.normalize()
    }
}

extension CompactJSON {
    /// One pass over the input, writing the output as it reads.
    private struct Normalizer {
        /// What the grammar allows at the current position.
        private enum Expectation {
            case value
            case valueOrArrayEnd
            case key
            case keyOrObjectEnd
            case colon
            case commaOrEnd
        }

        /// An open object or array; objects remember their keys to reject duplicates.
        private struct Container {
            let isObject: Bool
            var keys: Set<String> = []
        }

        private let input: [UInt8]
        private let maximumDepth: Int
        private var position = 0
        private var output: [UInt8] = []
        /// The decoded UTF-8 content of the string just read.
        private var scratch: [UInt8] = []
        private var containers: [Container] = []

        init(input: [UInt8], maximumDepth: Int) {
            self.input = input
            self.maximumDepth = maximumDepth
        }

        mutating func normalize() throws(CompactJSONError) -> [UInt8] {
            skipWhitespace()
            guard position < input.count else { throw unexpectedEnd() }
            switch input[position] {
            case UInt8(ascii: "{"):
                break
            case UInt8(ascii: "["), UInt8(ascii: "\""), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                throw .notAnObject
            default:
                throw .invalidJSON(offset: position, reason: .expectedValue)
            }
            output.reserveCapacity(input.count)

            var expectation = Expectation.value
            repeat {
                skipWhitespace()
                guard position < input.count else { throw unexpectedEnd() }
                let byte = input[position]
                switch expectation {
                case .value, .valueOrArrayEnd:
                    if expectation == .valueOrArrayEnd, byte == UInt8(ascii: "]") {
                        close()
                        expectation = .commaOrEnd
                    } else {
                        expectation = try value(startingWith: byte)
                    }
                case .key, .keyOrObjectEnd:
                    if expectation == .keyOrObjectEnd, byte == UInt8(ascii: "}") {
                        close()
                        expectation = .commaOrEnd
                    } else {
                        guard byte == UInt8(ascii: "\"") else {
                            throw .invalidJSON(offset: position, reason: .expectedKey)
                        }
                        try key()
                        expectation = .colon
                    }
                case .colon:
                    guard byte == UInt8(ascii: ":") else {
                        throw .invalidJSON(offset: position, reason: .expectedColon)
                    }
                    output.append(byte)
                    position += 1
                    expectation = .value
                case .commaOrEnd:
                    let isObject = containers[containers.count - 1].isObject
                    if byte == UInt8(ascii: ",") {
                        output.append(byte)
                        position += 1
                        expectation = isObject ? .key : .value
                    } else if byte == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        close()
                    } else {
                        throw .invalidJSON(offset: position, reason: .expectedCommaOrEnd)
                    }
                }
            } while !containers.isEmpty

            skipWhitespace()
            guard position == input.count else { throw .invalidJSON(offset: position, reason: .trailingData) }
            return output
        }

        // MARK: Structure

        private mutating func skipWhitespace() {
            while position < input.count {
                switch input[position] {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): position += 1
                default: return
                }
            }
        }

        /// The error for input that stops before the object is complete.
        private func unexpectedEnd() -> CompactJSONError {
            .invalidJSON(offset: input.count, reason: .unexpectedEnd)
        }

        /// Opens an object or array whose bracket is at the cursor.
        private mutating func open(isObject: Bool) throws(CompactJSONError) {
            guard containers.count < maximumDepth else { throw .tooDeep }
            containers.append(Container(isObject: isObject))
            output.append(input[position])
            position += 1
        }

        /// Closes the innermost container; its closing bracket, already checked, is at the cursor.
        private mutating func close() {
            containers.removeLast()
            output.append(input[position])
            position += 1
        }

        /// Reads the value starting with `byte` (at the cursor), writing it or opening its container.
        ///
        /// - Returns: What may come next.
        private mutating func value(startingWith byte: UInt8) throws(CompactJSONError) -> Expectation {
            switch byte {
            case UInt8(ascii: "{"):
                try open(isObject: true)
                return .keyOrObjectEnd
            case UInt8(ascii: "["):
                try open(isObject: false)
                return .valueOrArrayEnd
            case UInt8(ascii: "\""):
                try readString()
                JSONOutput.writeString(String(decoding: scratch, as: UTF8.self), into: &output)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try copyNumber()
            case UInt8(ascii: "t"):
                try copyLiteral("true")
            case UInt8(ascii: "f"):
                try copyLiteral("false")
            case UInt8(ascii: "n"):
                try copyLiteral("null")
            default:
                throw .invalidJSON(offset: position, reason: .expectedValue)
            }
            return .commaOrEnd
        }

        /// Reads a key whose opening quote is at the cursor, checks it is new in its object and writes it.
        private mutating func key() throws(CompactJSONError) {
            let start = position
            try readString()
            let key = String(decoding: scratch, as: UTF8.self)
            guard containers[containers.count - 1].keys.insert(key).inserted else {
                throw .duplicateKey(offset: start)
            }
            JSONOutput.writeString(key, into: &output)
        }

        private mutating func copyLiteral(_ literal: StaticString) throws(CompactJSONError) {
            let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
            for byte in expected {
                guard position < input.count else { throw unexpectedEnd() }
                guard input[position] == byte else { throw .invalidJSON(offset: position, reason: .invalidLiteral) }
                position += 1
            }
            output.append(contentsOf: expected)
        }

        // MARK: Numbers

        /// Checks the number at the cursor against the RFC 8259 grammar and copies its text unchanged.
        private mutating func copyNumber() throws(CompactJSONError) {
            let start = position
            if input[position] == UInt8(ascii: "-") { position += 1 }
            guard position < input.count else { throw unexpectedEnd() }
            switch input[position] {
            case UInt8(ascii: "0"):
                position += 1
                if position < input.count, isDigit(input[position]) {
                    throw .invalidJSON(offset: position, reason: .invalidNumber)
                }
            case UInt8(ascii: "1")...UInt8(ascii: "9"):
                skipDigits()
            default:
                throw .invalidJSON(offset: position, reason: .invalidNumber)
            }
            if position < input.count, input[position] == UInt8(ascii: ".") {
                position += 1
                try requireDigits()
            }
            if isAt(UInt8(ascii: "e"), or: UInt8(ascii: "E")) {
                position += 1
                if isAt(UInt8(ascii: "+"), or: UInt8(ascii: "-")) { position += 1 }
                try requireDigits()
            }
            output.append(contentsOf: input[start..<position])
        }

        /// Whether the byte at the cursor is `first` or `second`.
        private func isAt(_ first: UInt8, or second: UInt8) -> Bool {
            position < input.count && (input[position] == first || input[position] == second)
        }

        private func isDigit(_ byte: UInt8) -> Bool {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }

        private mutating func skipDigits() {
            while position < input.count, isDigit(input[position]) { position += 1 }
        }

        /// Skips one or more digits (a fraction or an exponent).
        private mutating func requireDigits() throws(CompactJSONError) {
            guard position < input.count else { throw unexpectedEnd() }
            guard isDigit(input[position]) else { throw .invalidJSON(offset: position, reason: .invalidNumber) }
            skipDigits()
        }

        // MARK: Strings

        /// Reads the string whose opening quote is at the cursor, leaving its decoded UTF-8 content in `scratch`.
        private mutating func readString() throws(CompactJSONError) {
            scratch.removeAll(keepingCapacity: true)
            position += 1
            while true {
                guard position < input.count else { throw unexpectedEnd() }
                let byte = input[position]
                switch byte {
                case UInt8(ascii: "\""):
                    position += 1
                    return
                case UInt8(ascii: "\\"):
                    try readEscape()
                case 0x00..<0x20:
                    throw .invalidJSON(offset: position, reason: .controlCharacter)
                case 0x20..<0x80:
                    scratch.append(byte)
                    position += 1
                default:
                    try copyMultibyteSequence()
                }
            }
        }

        /// Checks one multi-byte UTF-8 sequence at the cursor (Unicode Table 3-7, "well-formed UTF-8 byte sequences")
        /// and copies it to `scratch`.
        private mutating func copyMultibyteSequence() throws(CompactJSONError) {
            let start = position
            let length: Int
            // The second byte's range is what excludes overlongs, encoded surrogates and values above U+10FFFF.
            var second: ClosedRange<UInt8> = 0x80...0xBF
            switch input[start] {
            case 0xC2...0xDF: length = 2
            case 0xE0: (length, second) = (3, 0xA0...0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: (length, second) = (3, 0x80...0x9F)
            case 0xF0: (length, second) = (4, 0x90...0xBF)
            case 0xF1...0xF3: length = 4
            case 0xF4: (length, second) = (4, 0x80...0x8F)
            default: throw .invalidUTF8(offset: start)
            }
            guard start + length <= input.count, second.contains(input[start + 1]) else {
                throw .invalidUTF8(offset: start)
            }
            for index in (start + 2)..<(start + length) where !(0x80...0xBF).contains(input[index]) {
                throw .invalidUTF8(offset: start)
            }
            scratch.append(contentsOf: input[start..<(start + length)])
            position += length
        }

        /// Decodes one escape whose backslash is at the cursor into `scratch`; a surrogate pair is one scalar.
        private mutating func readEscape() throws(CompactJSONError) {
            let start = position
            guard start + 1 < input.count else { throw unexpectedEnd() }
            let escaped = input[start + 1]
            position += 2
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(escaped)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                let unit = try readHexUnit(escapeStart: start)
                switch unit {
                case 0xD800...0xDBFF:
                    guard position + 1 < input.count, input[position] == UInt8(ascii: "\\"),
                        input[position + 1] == UInt8(ascii: "u")
                    else { throw .invalidJSON(offset: start, reason: .loneSurrogate) }
                    let lowStart = position
                    position += 2
                    let low = try readHexUnit(escapeStart: lowStart)
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw .invalidJSON(offset: start, reason: .loneSurrogate)
                    }
                    appendUTF8(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                case 0xDC00...0xDFFF:
                    throw .invalidJSON(offset: start, reason: .loneSurrogate)
                default:
                    appendUTF8(unit)
                }
            default:
                throw .invalidJSON(offset: start, reason: .invalidEscape)
            }
        }

        /// Reads the four hex digits of a `\u` escape at the cursor.
        private mutating func readHexUnit(escapeStart: Int) throws(CompactJSONError) -> UInt32 {
            var unit: UInt32 = 0
            for _ in 0..<4 {
                guard position < input.count else { throw unexpectedEnd() }
                let byte = input[position]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw .invalidJSON(offset: escapeStart, reason: .invalidEscape)
                }
                unit = unit << 4 | UInt32(digit)
                position += 1
            }
            return unit
        }

        /// Appends a Unicode scalar value (never a surrogate) to `scratch` as UTF-8.
        private mutating func appendUTF8(_ scalar: UInt32) {
            switch scalar {
            case 0..<0x80:
                scratch.append(UInt8(scalar))
            case 0x80..<0x800:
                scratch.append(UInt8(0xC0 | scalar >> 6))
                scratch.append(UInt8(0x80 | scalar & 0x3F))
            case 0x800..<0x10000:
                scratch.append(UInt8(0xE0 | scalar >> 12))
                scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
                scratch.append(UInt8(0x80 | scalar & 0x3F))
            default:
                scratch.append(UInt8(0xF0 | scalar >> 18))
                scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
                scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
                scratch.append(UInt8(0x80 | scalar & 0x3F))
            }
        }
    }
}
