/// Where and how a JSON text breaks the grammar, as ``JSONCursor`` finds it.
///
/// The issues are finer than any one caller reports them: each module maps them to its own public error
/// (`WebhookVerificationError` here, `CompactJSONError` in HookdCore), so both read JSON with one scanner
/// and still report exactly what they always have.
///
/// - Important: Carries a byte offset and never any of the input.
package struct JSONSyntaxError: Error, Equatable {
    /// What was wrong at ``offset``.
    package enum Issue: Equatable, Sendable {
        /// The input ends before the JSON does; the offset is the input's length.
        case unexpectedEnd
        /// The top-level value is not an object but another JSON value (array, string, number, literal).
        case notAnObject
        /// The top-level value starts with a byte that begins no JSON value.
        case notAValue
        /// A value was expected (also after a trailing comma in an array).
        case expectedValue
        /// A string key or, straight after `{`, the object's end was expected (also after a trailing comma).
        case expectedKey
        /// A `:` was expected after a key.
        case expectedColon
        /// A `,` or the end of the enclosing object or array was expected.
        case expectedCommaOrEnd
        /// Something other than whitespace follows the top-level object.
        case trailingData
        /// A literal that is not exactly `true`, `false` or `null`.
        case invalidLiteral
        /// A number without the digits its grammar needs (after `-`, `.` or the exponent's `e`).
        case invalidNumber
        /// A digit straight after a number whose integer part is `0` (a leading zero, as in `01`).
        ///
        /// Reported when the next token is looked for, so after the number itself has been returned.
        case leadingZero
        /// An escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`; the offset is the backslash's.
        case invalidEscape
        /// A `\u` escape of a UTF-16 surrogate outside a high-low pair; the offset is the backslash's.
        ///
        /// Only reported by a cursor made with `rejectingLoneSurrogates: true`.
        case loneSurrogate
        /// A raw control character (below U+0020) inside a string.
        case controlCharacter
        /// Ill-formed UTF-8 in a string; the offset is the sequence's first byte.
        case invalidUTF8
        /// A UTF-8 sequence cut short by the end of the input; the offset is the sequence's first byte.
        case truncatedUTF8
    }

    /// What was wrong.
    package let issue: Issue
    /// The offset of the offending byte from the start of the input (see each ``Issue`` for exceptions).
    package let offset: Int

    /// An error for `issue` at `offset`.
    ///
    /// - Parameters:
    ///   - issue: What was wrong.
    ///   - offset: Where, as a byte offset from the start of the input.
    package init(_ issue: Issue, at offset: Int) {
        self.issue = issue
        self.offset = offset
    }
}
