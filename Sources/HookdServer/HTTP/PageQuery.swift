import Hummingbird

/// The `limit` and `offset` of a list route's query: 20 and 0 by default, `limit` at most 100.
struct PageQuery {
    let limit: Int
    let offset: Int

    init(_ query: Parameters, _ problems: inout [APIError.FieldError]) {
        limit = Self.integer(query["limit"], name: "limit", default: 20, range: 1...100, &problems)
        offset = Self.integer(query["offset"], name: "offset", default: 0, range: 0...Int(Int32.max), &problems)
    }

    /// A whole-number query parameter within `range`; absent or empty gives `default`, anything else a problem.
    static func integer(
        _ text: Substring?,
        name: String,
        default value: Int,
        range: ClosedRange<Int>,
        _ problems: inout [APIError.FieldError]
    ) -> Int {
        guard let text, !text.isEmpty else { return value }
        guard let number = Int(text), range.contains(number) else {
            problems.append(
                .init(field: name, message: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            )
            return value
        }
        return number
    }
}
