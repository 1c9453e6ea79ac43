/// A forward-only reader that checks JSON (RFC 8259) over a byte buffer and returns it token by token.
///
/// The input must be exactly one JSON object, optionally surrounded by whitespace (space, tab, line feed,
/// carriage return). Each call to ``next()`` checks and returns one token, so a caller sees every byte of the
/// object once without any value being built: ``DataValueScanner`` finds the ranges of top-level values with it,
/// and HookdCore's `CompactJSON` rewrites a whole object from it (`while let token = try cursor.next() { … }`).
///
/// - Important: Nothing here recurses: open containers are tracked on an explicit stack, one byte per level,
///   so the cost of a body is linear in its length whatever its depth. A failure is a ``JSONSyntaxError``
///   carrying a byte offset and never any of the input; after one, the cursor must not be used again.
package struct JSONCursor {
    /// One token of the object: a bracket, a separator, a key or a scalar value.
    package struct Token: Equatable, Sendable {
        /// What a token is.
        package enum Kind: Equatable, Sendable {
            /// `{`, `}`, `[` or `]`.
            case objectStart, objectEnd, arrayStart, arrayEnd
            /// The `:` after a key, or the `,` between two members or elements.
            case colon, comma
            /// An object member's name, or a string value.
            case key, string
            /// A number, whose bytes are exactly what RFC 8259's grammar allows.
            case number
            /// `true`, `false` or `null`.
            case literal
        }

        /// What the token is.
        package let kind: Kind
        /// The offsets of the token's bytes in the input, quotes included for a key or string.
        package let range: Range<Int>
        /// For a key or string, whether its content holds a backslash escape; `false` for other tokens.
        package let hasEscapes: Bool

        /// For a key or string, the offsets of its content (between the quotes).
        package var content: Range<Int> { (range.lowerBound + 1)..<(range.upperBound - 1) }
    }

    /// What the grammar allows at the current position.
    private enum Expectation {
        case topLevelObject
        case value
        case valueOrArrayEnd
        case key
        case keyOrObjectEnd
        case colon
        case commaOrEnd
        case end
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private let rejectsLoneSurrogates: Bool
    /// The offset of the next byte to read.
    private var position = 0
    private var expectation = Expectation.topLevelObject
    /// For each open container, innermost last, whether it is an object (or else an array).
    private var open: [Bool] = []
    /// Where the last number token ended, to tell a leading zero (`01`) from a missing comma (`0 1`).
    private var numberEnd = -1

    /// A cursor at the start of `bytes`.
    ///
    /// - Parameters:
    ///   - bytes: The UTF-8 JSON text; it must stay valid while the cursor is used.
    ///   - rejectingLoneSurrogates: Whether a `\u` escape of a UTF-16 surrogate that is not part of a high-low
    ///     pair is an error (``JSONSyntaxError/Issue/loneSurrogate``); when `false` it is accepted, and
    ///     ``JSONString/decode(_:limit:)`` turns it into U+FFFD.
    package init(_ bytes: UnsafeBufferPointer<UInt8>, rejectingLoneSurrogates: Bool = false) {
        self.bytes = bytes
        self.rejectsLoneSurrogates = rejectingLoneSurrogates
    }

    /// How many objects and arrays are open after the last token returned, the top-level object counting as one.
    package var depth: Int { open.count }

    /// Reads and checks the next token.
    ///
    /// - Returns: The token, or `nil` once the top-level object has closed and only whitespace follows it.
    /// - Throws: ``JSONSyntaxError`` at the first byte that breaks the grammar. A value is checked whole before
    ///   it is returned, except that a digit after a leading `0` is only reported by the following call
    ///   (``JSONSyntaxError/Issue/leadingZero``).
    package mutating func next() throws(JSONSyntaxError) -> Token? {
        skipWhitespace()
        guard position < bytes.count else {
            guard expectation == .end else { throw endOfInput() }
            return nil
        }
        let byte = bytes[position]
        switch expectation {
        case .topLevelObject:
            guard byte == ASCII.openBrace else {
                throw JSONSyntaxError(Self.startsValue(byte) ? .notAnObject : .notAValue, at: position)
            }
            return openContainer(isObject: true)
        case .value, .valueOrArrayEnd:
            if expectation == .valueOrArrayEnd, byte == ASCII.closeBracket { return closeContainer() }
            return try value(startingWith: byte)
        case .key, .keyOrObjectEnd:
            if expectation == .keyOrObjectEnd, byte == ASCII.closeBrace { return closeContainer() }
            guard byte == ASCII.quote else { throw JSONSyntaxError(.expectedKey, at: position) }
            expectation = .colon
            return try scanString(as: .key)
        case .colon:
            guard byte == ASCII.colon else { throw JSONSyntaxError(.expectedColon, at: position) }
            expectation = .value
            return token(.colon, from: position, length: 1)
        case .commaOrEnd:
            let isObject = open[open.count - 1]
            if byte == ASCII.comma {
                expectation = isObject ? .key : .value
                return token(.comma, from: position, length: 1)
            }
            if byte == (isObject ? ASCII.closeBrace : ASCII.closeBracket) { return closeContainer() }
            let leadingZero = position == numberEnd && ASCII.isDigit(byte)
            throw JSONSyntaxError(leadingZero ? .leadingZero : .expectedCommaOrEnd, at: position)
        case .end:
            throw JSONSyntaxError(.trailingData, at: position)
        }
    }

    // MARK: Structure

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case ASCII.space, ASCII.tab, ASCII.lineFeed, ASCII.carriageReturn: position += 1
            default: return
            }
        }
    }

    /// The error for input that stops before the object is complete.
    private func endOfInput() -> JSONSyntaxError {
        JSONSyntaxError(.unexpectedEnd, at: bytes.count)
    }

    /// Whether `byte` can start a JSON value.
    private static func startsValue(_ byte: UInt8) -> Bool {
        switch byte {
        case ASCII.openBrace, ASCII.openBracket, ASCII.quote, ASCII.minus, ASCII.zero...ASCII.nine,
            UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            true
        default:
            false
        }
    }

    /// Returns a token of `length` bytes starting at `start`, moving the cursor past it.
    private mutating func token(_ kind: Token.Kind, from start: Int, length: Int) -> Token {
        position = start + length
        return Token(kind: kind, range: start..<position, hasEscapes: false)
    }

    /// Opens an object or array whose bracket is at the cursor.
    private mutating func openContainer(isObject: Bool) -> Token {
        open.append(isObject)
        expectation = isObject ? .keyOrObjectEnd : .valueOrArrayEnd
        return token(isObject ? .objectStart : .arrayStart, from: position, length: 1)
    }

    /// Closes the innermost container; its closing bracket, already checked, is at the cursor.
    private mutating func closeContainer() -> Token {
        let isObject = open.removeLast()
        expectation = open.isEmpty ? .end : .commaOrEnd
        return token(isObject ? .objectEnd : .arrayEnd, from: position, length: 1)
    }

    /// Reads the value starting with `byte` (at the cursor): a scalar whole, or the bracket of a container.
    private mutating func value(startingWith byte: UInt8) throws(JSONSyntaxError) -> Token {
        let start = position
        let kind: Token.Kind
        switch byte {
        case ASCII.openBrace:
            return openContainer(isObject: true)
        case ASCII.openBracket:
            return openContainer(isObject: false)
        case ASCII.quote:
            expectation = .commaOrEnd
            return try scanString(as: .string)
        case ASCII.minus, ASCII.zero...ASCII.nine:
            try scanNumber()
            numberEnd = position
            kind = .number
        case UInt8(ascii: "t"):
            try scanLiteral("true")
            kind = .literal
        case UInt8(ascii: "f"):
            try scanLiteral("false")
            kind = .literal
        case UInt8(ascii: "n"):
            try scanLiteral("null")
            kind = .literal
        default:
            throw JSONSyntaxError(.expectedValue, at: position)
        }
        expectation = .commaOrEnd
        return Token(kind: kind, range: start..<position, hasEscapes: false)
    }

    // MARK: Strings

    /// Reads a string whose opening quote is at the cursor.
    private mutating func scanString(as kind: Token.Kind) throws(JSONSyntaxError) -> Token {
        let start = position
        position += 1
        var hasEscapes = false
        while true {
            guard position < bytes.count else { throw endOfInput() }
            let byte = bytes[position]
            if byte == ASCII.quote {
                position += 1
                return Token(kind: kind, range: start..<position, hasEscapes: hasEscapes)
            } else if byte == ASCII.backslash {
                hasEscapes = true
                try scanEscape()
            } else if byte < 0x20 {
                throw JSONSyntaxError(.controlCharacter, at: position)
            } else if byte < 0x80 {
                position += 1
            } else {
                try scanUTF8Sequence()
            }
        }
    }

    /// Reads one escape; the backslash is at the cursor.
    private mutating func scanEscape() throws(JSONSyntaxError) {
        let escape = position
        guard escape + 1 < bytes.count else { throw endOfInput() }
        switch bytes[escape + 1] {
        case ASCII.quote, ASCII.backslash, ASCII.slash, UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
            UInt8(ascii: "r"), UInt8(ascii: "t"):
            position += 2
        case UInt8(ascii: "u"):
            let unit = try scanUnicodeEscape()
            guard rejectsLoneSurrogates, (0xD800...0xDFFF).contains(unit) else { return }
            // A high surrogate must be followed at once by the escape of a low one.
            guard UTF16.isLeadSurrogate(unit), position + 1 < bytes.count, bytes[position] == ASCII.backslash,
                bytes[position + 1] == UInt8(ascii: "u"), UTF16.isTrailSurrogate(try scanUnicodeEscape())
            else { throw JSONSyntaxError(.loneSurrogate, at: escape) }
        default:
            throw JSONSyntaxError(.invalidEscape, at: escape)
        }
    }

    /// Reads a `\u` escape (its backslash at the cursor, its `u` already checked).
    ///
    /// - Returns: The UTF-16 code unit its four hexadecimal digits spell.
    private mutating func scanUnicodeEscape() throws(JSONSyntaxError) -> UInt16 {
        let escape = position
        var unit: UInt16 = 0
        for offset in (escape + 2)..<(escape + 6) {
            guard offset < bytes.count else { throw endOfInput() }
            guard let digit = JSONString.hexValue(bytes[offset]) else {
                throw JSONSyntaxError(.invalidEscape, at: escape)
            }
            unit = unit << 4 | digit
        }
        position += 6
        return unit
    }

    /// Checks one multi-byte UTF-8 sequence (RFC 3629 §4); its lead byte is at the cursor.
    ///
    /// The second byte's range is what excludes overlongs, encoded surrogates and values above U+10FFFF.
    private mutating func scanUTF8Sequence() throws(JSONSyntaxError) {
        let lead = bytes[position]
        let count: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: count = 2
        case 0xE0: (count, secondRange) = (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: count = 3
        case 0xED: (count, secondRange) = (3, 0x80...0x9F)
        case 0xF0: (count, secondRange) = (4, 0x90...0xBF)
        case 0xF1...0xF3: count = 4
        case 0xF4: (count, secondRange) = (4, 0x80...0x8F)
        default: throw JSONSyntaxError(.invalidUTF8, at: position)
        }
        for index in 1..<count {
            let offset = position + index
            guard offset < bytes.count else { throw JSONSyntaxError(.truncatedUTF8, at: position) }
            let range = index == 1 ? secondRange : 0x80...0xBF
            guard range.contains(bytes[offset]) else { throw JSONSyntaxError(.invalidUTF8, at: position) }
        }
        position += count
    }

    // MARK: Numbers and literals

    /// Reads a number (`-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`); its first byte, `-` or a digit,
    /// is at the cursor.
    private mutating func scanNumber() throws(JSONSyntaxError) {
        if bytes[position] == ASCII.minus { position += 1 }
        guard position < bytes.count else { throw endOfInput() }
        if bytes[position] == ASCII.zero {
            position += 1
        } else {
            try scanDigits()
        }
        if position < bytes.count, bytes[position] == ASCII.period {
            position += 1
            try scanDigits()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == ASCII.plus || bytes[position] == ASCII.minus { position += 1 }
            try scanDigits()
        }
    }

    /// Reads one or more decimal digits.
    private mutating func scanDigits() throws(JSONSyntaxError) {
        let start = position
        while position < bytes.count, ASCII.isDigit(bytes[position]) { position += 1 }
        guard position > start else {
            throw position < bytes.count ? JSONSyntaxError(.invalidNumber, at: position) : endOfInput()
        }
    }

    /// Reads `literal`; its first byte is at the cursor.
    private mutating func scanLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for byte in expected {
            guard position < bytes.count else { throw endOfInput() }
            guard bytes[position] == byte else { throw JSONSyntaxError(.invalidLiteral, at: position) }
            position += 1
        }
    }
}

// MARK: - Top-level members

extension JSONCursor {
    /// Reads a whole body that must be one JSON object, reporting each top-level member as it is read.
    ///
    /// - Parameters:
    ///   - member: Called once a member's value has been read whole, with the key's content range, whether the
    ///     key holds escapes, the offset of its opening quote and the value's range.
    /// - Throws: ``WebhookVerificationError/malformedBody(_:at:)`` for a body that breaks the grammar, or what
    ///   `member` throws.
    mutating func scanTopLevelObject(
        _ member: (_ key: Range<Int>, _ keyHasEscapes: Bool, _ keyStart: Int, _ value: Range<Int>)
            throws(WebhookVerificationError) -> Void
    ) throws(WebhookVerificationError) {
        var key: Token?
        var valueStart: Int?
        while let token = try nextBodyToken() {
            switch token.kind {
            case .key where depth == 1:
                key = token
            case .colon where depth == 1:
                break  // the member's own colon
            default:
                // The top-level braces and commas come with no key pending.
                guard let name = key else { continue }
                let start = valueStart ?? token.range.lowerBound
                guard depth == 1 else {
                    valueStart = start
                    continue
                }
                try member(name.content, name.hasEscapes, name.range.lowerBound, start..<token.range.upperBound)
                key = nil
                valueStart = nil
            }
        }
    }

    /// ``next()``, with a syntax error reported as `WebhookVerificationError.malformedBody`.
    private mutating func nextBodyToken() throws(WebhookVerificationError) -> Token? {
        do throws(JSONSyntaxError) {
            return try next()
        } catch {
            let issue: WebhookVerificationError.BodyIssue
            switch error.issue {
            case .unexpectedEnd, .truncatedUTF8: throw .malformedBody(.unexpectedEnd, at: bytes.count)
            case .notAnObject, .notAValue: issue = .notAnObject
            case .expectedValue, .expectedKey, .expectedColon, .expectedCommaOrEnd, .trailingData, .invalidLiteral,
                .leadingZero:
                issue = .unexpectedCharacter
            case .invalidNumber: issue = .invalidNumber
            case .invalidEscape, .loneSurrogate, .controlCharacter: issue = .invalidString
            case .invalidUTF8: issue = .invalidUTF8
            }
            throw .malformedBody(issue, at: error.offset)
        }
    }
}

/// The bytes of JSON's structural and number syntax.
enum ASCII {
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let lineFeed = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let slash = UInt8(ascii: "/")
    static let colon = UInt8(ascii: ":")
    static let comma = UInt8(ascii: ",")
    static let period = UInt8(ascii: ".")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")

    static func isDigit(_ byte: UInt8) -> Bool { byte >= zero && byte <= nine }
}
