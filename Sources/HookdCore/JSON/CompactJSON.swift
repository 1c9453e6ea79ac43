import HookdVerify

/// Rewrites a JSON object as the compact, deterministic bytes that hookd stores, signs and delivers.
///
/// An event's `data` is fixed at publish time (SPEC §5.1): those bytes are HMAC-signed and spliced verbatim into every
/// delivery body, so they are produced exactly once, here, by one set of rules:
/// - no whitespace between tokens, object keys in the order given;
/// - numbers copied byte for byte (never parsed to a floating-point value and printed again);
/// - strings decoded, then written as `JSONOutput.writeString(_:into:)` writes them: only `"`, `\` and control
///   characters escaped, `/` and every non-ASCII character as raw UTF-8.
///
/// The input is read with HookdVerify's `JSONCursor`, the scanner receivers' verifier uses: strict RFC 8259 (and
/// lone surrogate escapes refused), iterative with an explicit stack, no recursion, so its cost is linear in the
/// input and hostile nesting fails fast instead of exhausting the call stack.
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
        try Array(bytes).withUnsafeBufferPointer { input throws(CompactJSONError) in
            try normalize(input, maximumDepth: maximumDepth)
        }
    }

    /// One pass over the input, writing the output as it reads: every token as it stands, strings re-encoded.
    private static func normalize(
        _ input: UnsafeBufferPointer<UInt8>,
        maximumDepth: Int
    ) throws(CompactJSONError) -> [UInt8] {
        var cursor = JSONCursor(input, rejectingLoneSurrogates: true)
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        // The keys of each open object, innermost last.
        var keys: [Set<String>] = []
        while let token = try next(&cursor) {
            switch token.kind {
            case .key:
                let key = JSONString.text(input[token.content], hasEscapes: token.hasEscapes)
                guard keys[keys.count - 1].insert(key).inserted else {
                    throw .duplicateKey(offset: token.range.lowerBound)
                }
                JSONOutput.writeString(key, into: &output)
            case .string:
                let text = JSONString.text(input[token.content], hasEscapes: token.hasEscapes)
                JSONOutput.writeString(text, into: &output)
            case .objectStart, .arrayStart:
                guard cursor.depth <= maximumDepth else { throw .tooDeep }
                if token.kind == .objectStart { keys.append([]) }
                output.append(contentsOf: input[token.range])
            case .objectEnd:
                keys.removeLast()
                output.append(contentsOf: input[token.range])
            case .arrayEnd, .colon, .comma, .number, .literal:
                output.append(contentsOf: input[token.range])  // numbers byte for byte
            }
        }
        return output
    }

    /// The cursor's next token, with a syntax error reported as a `CompactJSONError`.
    private static func next(_ cursor: inout JSONCursor) throws(CompactJSONError) -> JSONCursor.Token? {
        do throws(JSONSyntaxError) {
            return try cursor.next()
        } catch {
            throw CompactJSONError(error)
        }
    }
}
