/// What orders an app's events for a KEYED endpoint (SPEC §15): events that share a key reach the endpoint one at a
/// time, in publish order. 1–128 printable ASCII characters, such as a card's id.
public struct OrderingKey: RawRepresentable, Hashable, Sendable {
    public let rawValue: String

    /// The key, or `nil` when `rawValue` is empty, longer than 128 characters or not printable ASCII (0x20–0x7E).
    public init?(rawValue: String) {
        guard (1...Self.maximumLength).contains(rawValue.utf8.count),
            rawValue.utf8.allSatisfy({ (0x20...0x7E).contains($0) })
        else { return nil }
        self.rawValue = rawValue
    }

    /// The longest key, in characters (ASCII, so bytes too).
    public static let maximumLength = 128
}
