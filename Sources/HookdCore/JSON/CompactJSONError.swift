import HookdVerify

/// Why `CompactJSON.normalizeObject(_:maximumDepth:)` rejected its input.
///
/// Errors carry byte offsets into the input (counted from zero) and a fixed reason, never any of the input's text,
/// so they can be logged or returned to a caller without leaking a payload.
public struct CompactJSONError: Error, Equatable, CustomStringConvertible {
    private enum Kind: Equatable {
        case notAnObject
        case invalidJSON(offset: Int, reason: Reason)
        case tooDeep
        case duplicateKey(offset: Int)
        case invalidUTF8(offset: Int)
    }

    private let kind: Kind

    private init(_ kind: Kind) {
        self.kind = kind
    }

    /// The input is well-formed JSON so far, but its top-level value is not an object.
    public static let notAnObject = CompactJSONError(.notAnObject)

    /// The objects and arrays are nested deeper than the maximum depth allowed.
    public static let tooDeep = CompactJSONError(.tooDeep)

    /// The input breaks the JSON grammar (RFC 8259).
    ///
    /// - Parameters:
    ///   - offset: The offset of the first byte that does not fit the grammar, or the input's length when it ends early.
    ///   - reason: What was wrong there.
    /// - Returns: The error.
    public static func invalidJSON(offset: Int, reason: Reason) -> CompactJSONError {
        CompactJSONError(.invalidJSON(offset: offset, reason: reason))
    }

    /// An object names the same key twice.
    ///
    /// - Parameters:
    ///   - offset: The offset of the opening quote of the repeated key.
    /// - Returns: The error.
    public static func duplicateKey(offset: Int) -> CompactJSONError {
        CompactJSONError(.duplicateKey(offset: offset))
    }

    /// A string holds bytes that are not well-formed UTF-8 (truncated, overlong, an encoded surrogate, above U+10FFFF).
    ///
    /// - Parameters:
    ///   - offset: The offset of the first byte of the ill-formed sequence.
    /// - Returns: The error.
    public static func invalidUTF8(offset: Int) -> CompactJSONError {
        CompactJSONError(.invalidUTF8(offset: offset))
    }

    /// The byte offset the error points at, or `nil` for errors about the input as a whole.
    public var offset: Int? {
        switch kind {
        case .notAnObject, .tooDeep: nil
        case .invalidJSON(let offset, _), .duplicateKey(let offset), .invalidUTF8(let offset): offset
        }
    }

    /// The error `CompactJSON.normalizeObject(_:maximumDepth:)` reports for a syntax error of its scanner.
    init(_ error: JSONSyntaxError) {
        let reason: Reason
        switch error.issue {
        case .notAnObject:
            self = .notAnObject
            return
        case .invalidUTF8, .truncatedUTF8:
            self = .invalidUTF8(offset: error.offset)
            return
        case .unexpectedEnd: reason = .unexpectedEnd
        case .notAValue, .expectedValue: reason = .expectedValue
        case .expectedKey: reason = .expectedKey
        case .expectedColon: reason = .expectedColon
        case .expectedCommaOrEnd: reason = .expectedCommaOrEnd
        case .trailingData: reason = .trailingData
        case .invalidLiteral: reason = .invalidLiteral
        case .invalidNumber, .leadingZero: reason = .invalidNumber
        case .invalidEscape: reason = .invalidEscape
        case .loneSurrogate: reason = .loneSurrogate
        case .controlCharacter: reason = .controlCharacter
        }
        self = .invalidJSON(offset: error.offset, reason: reason)
    }

    public var description: String {
        switch kind {
        case .notAnObject: "the JSON value is not an object"
        case .invalidJSON(let offset, let reason): "invalid JSON at byte offset \(offset): \(reason)"
        case .tooDeep: "the JSON objects and arrays are nested too deeply"
        case .duplicateKey(let offset): "duplicate object key at byte offset \(offset)"
        case .invalidUTF8(let offset): "invalid UTF-8 at byte offset \(offset)"
        }
    }
}

extension CompactJSONError {
    /// What broke the JSON grammar, for `CompactJSONError.invalidJSON(offset:reason:)`.
    public struct Reason: Sendable, Equatable, CustomStringConvertible {
        private enum Kind: Equatable {
            case unexpectedEnd
            case expectedValue
            case expectedKey
            case expectedColon
            case expectedCommaOrEnd
            case invalidLiteral
            case invalidNumber
            case invalidEscape
            case loneSurrogate
            case controlCharacter
            case trailingData
        }

        private let kind: Kind

        private init(_ kind: Kind) {
            self.kind = kind
        }

        /// The input ends before the object is complete.
        public static let unexpectedEnd = Reason(.unexpectedEnd)
        /// A value was expected (an object, array, string, number, `true`, `false` or `null`).
        public static let expectedValue = Reason(.expectedValue)
        /// A string key was expected (also a trailing comma in an object).
        public static let expectedKey = Reason(.expectedKey)
        /// A `:` was expected after a key.
        public static let expectedColon = Reason(.expectedColon)
        /// A `,` or the end of the enclosing object or array was expected.
        public static let expectedCommaOrEnd = Reason(.expectedCommaOrEnd)
        /// A literal that is not exactly `true`, `false` or `null`.
        public static let invalidLiteral = Reason(.invalidLiteral)
        /// A number that does not match `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
        public static let invalidNumber = Reason(.invalidNumber)
        /// A backslash escape other than `\" \\ \/ \b \f \n \r \t \uXXXX` (the offset is the backslash's).
        public static let invalidEscape = Reason(.invalidEscape)
        /// A `\u` escape of a UTF-16 surrogate that is not part of a high-low pair (the offset is the backslash's).
        public static let loneSurrogate = Reason(.loneSurrogate)
        /// A raw control character (below U+0020) inside a string; it must be escaped.
        public static let controlCharacter = Reason(.controlCharacter)
        /// Something other than whitespace follows the object.
        public static let trailingData = Reason(.trailingData)

        public var description: String {
            switch kind {
            case .unexpectedEnd: "the input ends before the object is complete"
            case .expectedValue: "expected a value"
            case .expectedKey: "expected a string key"
            case .expectedColon: "expected ':' after a key"
            case .expectedCommaOrEnd: "expected ',' or the end of the object or array"
            case .invalidLiteral: "expected true, false or null"
            case .invalidNumber: "malformed number"
            case .invalidEscape: "invalid escape sequence in a string"
            case .loneSurrogate: "a \\u escape is an unpaired UTF-16 surrogate"
            case .controlCharacter: "unescaped control character in a string"
            case .trailingData: "unexpected data after the object"
            }
        }
    }
}
