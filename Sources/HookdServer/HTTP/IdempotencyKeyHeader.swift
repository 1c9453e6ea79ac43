import HTTPTypes

/// The `Idempotency-Key` request header: a repeat of a request with the same key gets the first one's answer.
enum IdempotencyKeyHeader {
    static let name = HTTPField.Name("Idempotency-Key")!
    /// `Idempotent-Replayed: true` marks an answer given again for a repeated key.
    static let replayed = HTTPField.Name("Idempotent-Replayed")!

    /// The longest key accepted, in characters.
    static let maximumLength = 255

    /// The key of `headers`, `nil` when there is none.
    ///
    /// - Throws: `VALIDATION_ERROR` naming the header when it is empty, longer than 255 characters, given twice, or
    ///   has anything but printable ASCII.
    static func value(in headers: HTTPFields) throws -> String? {
        let values = headers[values: name]
        guard let key = values.first else { return nil }
        guard values.count == 1, (1...maximumLength).contains(key.utf8.count),
            key.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        else {
            throw APIError.validation(
                field: "Idempotency-Key",
                "must be one value of 1 to \(maximumLength) printable ASCII characters without spaces"
            )
        }
        return key
    }
}
