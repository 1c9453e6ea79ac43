package import HookdVerify

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
        var writer = Writer(origin: 0, capacity: input.count, maximumDepth: maximumDepth)
        while let token = try next(&cursor) {
            try writer.write(token, depth: cursor.depth, from: input)
        }
        return writer.output
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

extension CompactJSON {
    /// Writes one JSON object compactly as a ``JSONCursor`` reads it, token by token.
    ///
    /// The rules of ``normalizeObject(_:maximumDepth:)``, for a reader that is reading a larger document around the
    /// object (the publish body around its `data`): the object's bytes are read once, by that reader's cursor.
    /// Unpaired surrogate escapes are refused here whether or not the cursor refuses them.
    package struct Writer {
        /// The compact bytes written so far.
        package private(set) var output: [UInt8] = []
        /// Where the object starts in the input: error offsets are counted from there.
        private let origin: Int
        private let maximumDepth: Int
        /// The keys of each open object, innermost last.
        private var keys: [Set<String>] = []

        /// A writer for the object whose `{` is at offset `origin` of the input.
        ///
        /// - Parameters:
        ///   - origin: The offset of the object's first byte in the input the cursor reads.
        ///   - capacity: Bytes to reserve for the output.
        ///   - maximumDepth: How many objects and arrays may be open at once, the object counting as one.
        package init(origin: Int, capacity: Int, maximumDepth: Int = 64) {
            self.origin = origin
            self.maximumDepth = maximumDepth
            output.reserveCapacity(capacity)
        }

        /// Writes the next token of the object, from its `{` through its `}`.
        ///
        /// - Parameters:
        ///   - token: The token the cursor returned.
        ///   - depth: How many objects and arrays are open after the token, the object itself counting as one.
        ///   - input: The bytes the cursor reads.
        /// - Throws: `CompactJSONError`, with offsets from the object's start: `.duplicateKey`, `.tooDeep`, or
        ///   `.invalidJSON` with the `.loneSurrogate` reason. The writer must not be used after an error.
        package mutating func write(
            _ token: JSONCursor.Token,
            depth: Int,
            from input: UnsafeBufferPointer<UInt8>
        ) throws(CompactJSONError) {
            switch token.kind {
            case .key:
                let key = try text(of: token, in: input)
                guard keys[keys.count - 1].insert(key).inserted else {
                    throw .duplicateKey(offset: token.range.lowerBound - origin)
                }
                JSONOutput.writeString(key, into: &output)
            case .string:
                JSONOutput.writeString(try text(of: token, in: input), into: &output)
            case .objectStart, .arrayStart:
                guard depth <= maximumDepth else { throw .tooDeep }
                if token.kind == .objectStart { keys.append([]) }
                output.append(contentsOf: input[token.range])
            case .objectEnd:
                keys.removeLast()
                output.append(contentsOf: input[token.range])
            case .arrayEnd, .colon, .comma, .number, .literal:
                output.append(contentsOf: input[token.range])  // numbers byte for byte
            }
        }

        /// The decoded text of a key or string token.
        private func text(
            of token: JSONCursor.Token,
            in input: UnsafeBufferPointer<UInt8>
        ) throws(CompactJSONError) -> String {
            var loneSurrogate: Int?
            let text = JSONString.text(input[token.content], hasEscapes: token.hasEscapes) { backslash in
                if loneSurrogate == nil { loneSurrogate = backslash }
            }
            if let loneSurrogate { throw .invalidJSON(offset: loneSurrogate - origin, reason: .loneSurrogate) }
            return text
        }
    }
}
