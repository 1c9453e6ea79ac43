import HookdCore
import HookdStore
import Hummingbird

/// The `limit` and `offset` of a list route's query: 20 and 0 by default, `limit` at most 100, `offset` at most
/// ``maximumOffset``.
struct PageQuery {
    let limit: Int
    let offset: Int

    /// The furthest `offset` accepted: 10,000. An offset is walked row by row by the database, so deep pages go by
    /// `cursor` instead (the delivery logs), whose cost does not grow with depth.
    static let maximumOffset = 10_000

    init(_ query: Parameters, _ problems: inout [APIError.FieldError]) {
        limit = Self.integer(query["limit"], name: "limit", default: 20, range: 1...100, &problems)
        offset = Self.integer(
            query["offset"],
            name: "offset",
            default: 0,
            range: 0...Self.maximumOffset,
            hint: "; page further with cursor",
            &problems
        )
    }

    /// A whole-number query parameter within `range`; absent or empty gives `default`, anything else a problem.
    static func integer(
        _ text: Substring?,
        name: String,
        default value: Int,
        range: ClosedRange<Int>,
        hint: String = "",
        _ problems: inout [APIError.FieldError]
    ) -> Int {
        guard let text, !text.isEmpty else { return value }
        guard let number = Int(text), range.contains(number) else {
            problems.append(
                .init(
                    field: name,
                    message: "must be a whole number from \(range.lowerBound) to \(range.upperBound)\(hint)"
                )
            )
            return value
        }
        return number
    }
}

/// The query of a delivery log's page: a ``PageQuery``, or a `cursor` (`nextCursor` of the page before) with a
/// `limit`.
struct LogPageQuery {
    let limit: Int
    let position: DeliveryLogPosition

    /// How far a first page's `total` counts: 10,000 (a larger log says 10000). Pages read by cursor count nothing.
    static let countLimit = 10_000

    init(_ query: Parameters, _ problems: inout [APIError.FieldError]) {
        let page = PageQuery(query, &problems)
        limit = page.limit
        guard let text = query["cursor"], !text.isEmpty else {
            position = .offset(page.offset)
            return
        }
        guard let cursor = LogCursor.decode(text) else {
            problems.append(.init(field: "cursor", message: "must be a nextCursor this API handed out"))
            position = .offset(page.offset)
            return
        }
        if query["offset"].map({ !$0.isEmpty }) == true {
            problems.append(.init(field: "offset", message: "must not be given with cursor"))
        }
        position = .after(cursor)
    }

    /// The offset the page was asked at (0 for a page read by cursor).
    var offset: Int {
        if case .offset(let offset) = position { return offset }
        return 0
    }
}

/// The text of a ``DeliveryCursor`` in `nextCursor` and `cursor`: `c1` and two 16-digit hexadecimal numbers (the
/// creation time and the store's sequence), for clients to hand back as it is, not to read.
enum LogCursor {
    static func encode(_ cursor: DeliveryCursor) -> String {
        "c1" + hex(UInt64(bitPattern: cursor.createdAt.rawValue)) + hex(UInt64(bitPattern: cursor.sequence))
    }

    static func decode(_ text: Substring) -> DeliveryCursor? {
        let utf8 = text.utf8
        guard utf8.count == 34, text.hasPrefix("c1"),
            utf8.dropFirst(2).allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return nil }
        let digits = text.dropFirst(2)
        guard let createdAt = UInt64(digits.prefix(16), radix: 16), let sequence = UInt64(digits.suffix(16), radix: 16)
        else { return nil }
        return DeliveryCursor(
            createdAt: UnixMillis(Int64(bitPattern: createdAt)),
            sequence: Int64(bitPattern: sequence)
        )
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
