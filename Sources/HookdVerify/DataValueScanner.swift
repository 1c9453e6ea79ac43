/// Finds the exact bytes of a top-level value in a JSON object body, without parsing and re-encoding it.
///
/// The v3 signature is an HMAC over the raw bytes of the body's `data` value as they were sent,
/// so a receiver must locate those bytes, not re-serialise a parsed object (which would change
/// whitespace, escapes, key order or number formatting). The scanner reads the whole body once,
/// checks that it is one well-formed JSON object (RFC 8259, UTF-8 in strings included), and reports
/// where the value of a top-level key starts and ends. A `"data"` key inside a nested object or
/// inside a string never counts.
///
/// ```swift
/// let body = Array(#"{"event":"card.funded","data":{"cardId":"crd_1","amount":"25.00"}}"#.utf8)
/// let range = try DataValueScanner.rangeOfData(in: body)
/// let data = String(decoding: body[range], as: UTF8.self)  // {"cardId":"crd_1","amount":"25.00"}
/// ```
///
/// - Important: Ranges are byte offsets from the start of the collection (0 is its first byte),
///   not indices of the collection. They are the same thing for `[UInt8]` and for a `Data` that is
///   not a slice; for an `ArraySlice` or a `Data` slice, offset them by the start index.
/// - Important: The scan is iterative with an explicit bracket stack and linear in the body's length:
///   deeply nested or very long input cannot exhaust the call stack or make it hang. Keys are compared
///   after decoding escapes, the way a JSON parser reads them, so `"d\u0061ta"` is a `data` key too, and
///   a key asked for that appears twice at the top level is refused as ambiguous.
public enum DataValueScanner {
    /// Returns the byte range of the value of the body's top-level `data` key.
    ///
    /// - Parameters:
    ///   - body: The raw body bytes exactly as received.
    /// - Returns: The offsets of the value's first byte up to (not including) the byte after its last;
    ///   for an object, from its `{` through its `}`.
    /// - Throws: ``WebhookVerificationError/malformedBody(_:at:)`` when the body is not one well-formed
    ///   JSON object, ``WebhookVerificationError/missingBodyKey(_:)`` when it has no top-level `data`,
    ///   ``WebhookVerificationError/duplicateBodyKey(_:at:)`` when it has two.
    public static func rangeOfData(in body: some Collection<UInt8>) throws(WebhookVerificationError) -> Range<Int> {
        guard let range = try rangeOfValue(forKey: "data", in: body) else { throw .missingBodyKey("data") }
        return range
    }

    /// Returns the byte range of the value of a top-level key, or `nil` when the object has no such key.
    ///
    /// - Parameters:
    ///   - key: The key, as it reads after decoding escapes.
    ///   - body: The raw body bytes exactly as received.
    /// - Returns: The offsets of the value's bytes, or `nil` when the key is absent.
    /// - Throws: ``WebhookVerificationError/malformedBody(_:at:)`` when the body is not one well-formed
    ///   JSON object, ``WebhookVerificationError/duplicateBodyKey(_:at:)`` when the key appears twice.
    public static func rangeOfValue(
        forKey key: String,
        in body: some Collection<UInt8>
    ) throws(WebhookVerificationError) -> Range<Int>? {
        try rangesOfValues(forKeys: [key], in: body)[key]
    }

    /// Returns the byte ranges of the values of several top-level keys in one pass.
    ///
    /// - Parameters:
    ///   - keys: The keys, as they read after decoding escapes.
    ///   - body: The raw body bytes exactly as received.
    /// - Returns: A range for each key that is present; absent keys have no entry.
    /// - Throws: ``WebhookVerificationError/malformedBody(_:at:)`` when the body is not one well-formed
    ///   JSON object, ``WebhookVerificationError/duplicateBodyKey(_:at:)`` when one of `keys` appears twice.
    public static func rangesOfValues(
        forKeys keys: [String],
        in body: some Collection<UInt8>
    ) throws(WebhookVerificationError) -> [String: Range<Int>] {
        let wanted = keys.map { Array($0.utf8) }
        let found = try withContiguousBytes(of: body) { bytes throws(WebhookVerificationError) in
            try scan(bytes, for: wanted)
        }
        var result: [String: Range<Int>] = [:]
        for (key, range) in zip(keys, found) {
            if let range { result[key] = range }
        }
        return result
    }

    /// Scans `bytes` and returns the value range of each of `keys` (in the same order), `nil` where absent.
    static func scan(
        _ bytes: UnsafeBufferPointer<UInt8>,
        for keys: [[UInt8]]
    ) throws(WebhookVerificationError) -> [Range<Int>?] {
        var found = [Range<Int>?](repeating: nil, count: keys.count)
        let longestKey = keys.map(\.count).max() ?? 0
        var cursor = JSONCursor(bytes)
        try cursor.scanTopLevelObject { key, keyHasEscapes, keyStart, value throws(WebhookVerificationError) in
            let name: [UInt8]
            if keyHasEscapes {
                guard let decoded = JSONString.decode(bytes[key], limit: longestKey) else { return }
                name = decoded
            } else {
                guard key.count <= longestKey else { return }
                name = Array(bytes[key])
            }
            guard let index = keys.firstIndex(of: name) else { return }
            guard found[index] == nil else {
                throw .duplicateBodyKey(String(decoding: keys[index], as: UTF8.self), at: keyStart)
            }
            found[index] = value
        }
        return found
    }

    /// The decoded text of a top-level string value, or `nil` when the value is not a string.
    static func stringValue(_ bytes: UnsafeBufferPointer<UInt8>, at range: Range<Int>) -> String? {
        guard range.count >= 2, bytes[range.lowerBound] == ASCII.quote else { return nil }
        let content = bytes[(range.lowerBound + 1)..<(range.upperBound - 1)]
        guard let decoded = JSONString.decode(content) else { return nil }
        return String(decoding: decoded, as: UTF8.self)
    }
}

/// Calls `body` with the collection's bytes in contiguous memory, copying them only when they are not.
func withContiguousBytes<Result>(
    of collection: some Collection<UInt8>,
    _ body: (UnsafeBufferPointer<UInt8>) throws(WebhookVerificationError) -> Result
) throws(WebhookVerificationError) -> Result {
    let outcome = collection.withContiguousStorageIfAvailable { bytes in
        Swift.Result { () throws(WebhookVerificationError) in try body(bytes) }
    }
    if let outcome { return try outcome.get() }
    return try Array(collection).withUnsafeBufferPointer { bytes in
        Swift.Result { () throws(WebhookVerificationError) in try body(bytes) }
    }.get()
}
