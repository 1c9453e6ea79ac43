/// A forward-only reader that checks JSON (RFC 8259) over a byte buffer without building values.
///
/// Nothing here recurses: nested containers are tracked on an explicit stack, so the cost of a body
/// is linear in its length whatever its depth. Every failure is a ``WebhookVerificationError``
/// carrying a byte offset and never any of the input.
struct JSONCursor {
    private let bytes: UnsafeBufferPointer<UInt8>
    /// The offset of the next byte to read.
    private(set) var position = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { position >= bytes.count }

    // MARK: Primitives

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case ASCII.space, ASCII.tab, ASCII.lineFeed, ASCII.carriageReturn: position += 1
            default: return
            }
        }
    }

    /// The byte at the cursor, or an "unexpected end" error when the input is exhausted.
    func peek() throws(WebhookVerificationError) -> UInt8 {
        guard position < bytes.count else { throw .malformedBody(.unexpectedEnd, at: bytes.count) }
        return bytes[position]
    }

    mutating func expect(_ byte: UInt8) throws(WebhookVerificationError) {
        guard try peek() == byte else { throw .malformedBody(.unexpectedCharacter, at: position) }
        position += 1
    }

    private func unexpected(_ issue: WebhookVerificationError.BodyIssue, at offset: Int) -> WebhookVerificationError {
        offset >= bytes.count ? .malformedBody(.unexpectedEnd, at: bytes.count) : .malformedBody(issue, at: offset)
    }

    // MARK: Strings

    /// Reads a string whose opening quote is at the cursor.
    ///
    /// - Returns: The offsets of the string's content (between the quotes) and whether it holds escapes.
    mutating func scanString() throws(WebhookVerificationError) -> (content: Range<Int>, hasEscapes: Bool) {
        try expect(ASCII.quote)
        let start = position
        var hasEscapes = false
        while true {
            guard position < bytes.count else { throw .malformedBody(.unexpectedEnd, at: bytes.count) }
            let byte = bytes[position]
            if byte == ASCII.quote {
                position += 1
                return (start..<(position - 1), hasEscapes)
            } else if byte == ASCII.backslash {
                hasEscapes = true
                try scanEscape()
            } else if byte < 0x20 {
                throw .malformedBody(.invalidString, at: position)
            } else if byte < 0x80 {
                position += 1
            } else {
                try scanUTF8Sequence()
            }
        }
    }

    /// Reads one escape; the backslash is at the cursor.
    private mutating func scanEscape() throws(WebhookVerificationError) {
        let escape = position
        guard escape + 1 < bytes.count else { throw .malformedBody(.unexpectedEnd, at: bytes.count) }
        switch bytes[escape + 1] {
        case ASCII.quote, ASCII.backslash, ASCII.slash, UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
            UInt8(ascii: "r"), UInt8(ascii: "t"):
            position += 2
        case UInt8(ascii: "u"):
            for offset in (escape + 2)..<(escape + 6) {
                guard offset < bytes.count else { throw .malformedBody(.unexpectedEnd, at: bytes.count) }
                guard JSONString.hexValue(bytes[offset]) != nil else {
                    throw .malformedBody(.invalidString, at: escape)
                }
            }
            position += 6
        default:
            throw .malformedBody(.invalidString, at: escape)
        }
    }

    /// Checks one multi-byte UTF-8 sequence (RFC 3629 §4); its lead byte is at the cursor.
    private mutating func scanUTF8Sequence() throws(WebhookVerificationError) {
        let lead = bytes[position]
        let count: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: count = 2
        case 0xE0:
            count = 3
            secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: count = 3
        case 0xED:
            count = 3
            secondRange = 0x80...0x9F
        case 0xF0:
            count = 4
            secondRange = 0x90...0xBF
        case 0xF1...0xF3: count = 4
        case 0xF4:
            count = 4
            secondRange = 0x80...0x8F
        default: throw .malformedBody(.invalidUTF8, at: position)
        }
        for index in 1..<count {
            let offset = position + index
            guard offset < bytes.count else { throw .malformedBody(.unexpectedEnd, at: bytes.count) }
            let range = index == 1 ? secondRange : 0x80...0xBF
            guard range.contains(bytes[offset]) else { throw .malformedBody(.invalidUTF8, at: position) }
        }
        position += count
    }

    // MARK: Numbers and literals

    /// Reads a number (`-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`) starting at the cursor.
    private mutating func scanNumber() throws(WebhookVerificationError) {
        if position < bytes.count, bytes[position] == ASCII.minus { position += 1 }
        guard position < bytes.count else { throw .malformedBody(.unexpectedEnd, at: bytes.count) }
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
    private mutating func scanDigits() throws(WebhookVerificationError) {
        let start = position
        while position < bytes.count, ASCII.isDigit(bytes[position]) { position += 1 }
        guard position > start else { throw unexpected(.invalidNumber, at: position) }
    }

    private mutating func scanLiteral(_ literal: StaticString) throws(WebhookVerificationError) {
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for byte in expected {
            guard try peek() == byte else { throw .malformedBody(.unexpectedCharacter, at: position) }
            position += 1
        }
    }

    // MARK: Values

    /// Reads `"key"`, whitespace, `:` and whitespace, leaving the cursor on the member's value.
    ///
    /// - Returns: What ``scanString()`` returns for the key.
    private mutating func scanMemberName() throws(WebhookVerificationError) -> (content: Range<Int>, hasEscapes: Bool) {
        let key = try scanString()
        skipWhitespace()
        try expect(ASCII.colon)
        skipWhitespace()
        return key
    }

    /// Reads one whole value of any kind starting at the cursor (which must not be on whitespace).
    ///
    /// Containers are followed with an explicit stack of the brackets still open, one byte per level,
    /// so ten thousand levels cost ten thousand bytes and no call frames.
    mutating func skipValue() throws(WebhookVerificationError) {
        var open: [UInt8] = []
        while true {
            // A value starts here.
            var complete = true
            switch try peek() {
            case ASCII.quote:
                _ = try scanString()
            case ASCII.openBrace:
                position += 1
                skipWhitespace()
                if try peek() == ASCII.closeBrace {
                    position += 1
                } else {
                    open.append(ASCII.openBrace)
                    _ = try scanMemberName()
                    complete = false
                }
            case ASCII.openBracket:
                position += 1
                skipWhitespace()
                if try peek() == ASCII.closeBracket {
                    position += 1
                } else {
                    open.append(ASCII.openBracket)
                    complete = false
                }
            case ASCII.minus, ASCII.zero...ASCII.nine:
                try scanNumber()
            case UInt8(ascii: "t"):
                try scanLiteral("true")
            case UInt8(ascii: "f"):
                try scanLiteral("false")
            case UInt8(ascii: "n"):
                try scanLiteral("null")
            default:
                throw .malformedBody(.unexpectedCharacter, at: position)
            }
            guard complete else { continue }

            // A value ended: close containers until one continues with a comma, or the outermost closes.
            closing: while let container = open.last {
                skipWhitespace()
                let byte = try peek()
                if byte == ASCII.comma {
                    position += 1
                    skipWhitespace()
                    if container == ASCII.openBrace { _ = try scanMemberName() }
                    break closing
                } else if byte == (container == ASCII.openBrace ? ASCII.closeBrace : ASCII.closeBracket) {
                    position += 1
                    open.removeLast()
                } else {
                    throw .malformedBody(.unexpectedCharacter, at: position)
                }
            }
            if open.isEmpty { return }
        }
    }

    /// Reads a whole body that must be one JSON object, reporting each top-level member as it is read.
    ///
    /// - Parameters:
    ///   - member: Called with the key's content range, whether the key holds escapes, the offset of its
    ///     opening quote and the value's range.
    mutating func scanTopLevelObject(
        _ member: (_ key: Range<Int>, _ keyHasEscapes: Bool, _ keyStart: Int, _ value: Range<Int>)
            throws(WebhookVerificationError) -> Void
    ) throws(WebhookVerificationError) {
        skipWhitespace()
        guard try peek() == ASCII.openBrace else { throw .malformedBody(.notAnObject, at: position) }
        position += 1
        skipWhitespace()
        if try peek() == ASCII.closeBrace {
            position += 1
        } else {
            while true {
                let keyStart = position
                guard try peek() == ASCII.quote else { throw .malformedBody(.unexpectedCharacter, at: position) }
                let key = try scanMemberName()
                let valueStart = position
                try skipValue()
                try member(key.content, key.hasEscapes, keyStart, valueStart..<position)
                skipWhitespace()
                let byte = try peek()
                position += 1
                if byte == ASCII.closeBrace { break }
                guard byte == ASCII.comma else { throw .malformedBody(.unexpectedCharacter, at: position - 1) }
                skipWhitespace()
            }
        }
        skipWhitespace()
        guard isAtEnd else { throw .malformedBody(.unexpectedCharacter, at: position) }
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
