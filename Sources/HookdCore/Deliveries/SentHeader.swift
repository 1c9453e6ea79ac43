/// One header of a request hookd sent.
public struct SentHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// The headers as the store keeps them: one `Name: value` line each (no header hookd sends spans lines).
    public static func lines(_ headers: [SentHeader]) -> String {
        headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }

    /// The headers of text written by ``lines(_:)``; a line without `: ` is skipped.
    public static func parse(lines text: String) -> [SentHeader] {
        text.split(separator: "\n").compactMap { line in
            guard let colon = line.firstRange(of: ": ") else { return nil }
            return SentHeader(
                name: String(line[line.startIndex..<colon.lowerBound]),
                value: String(line[colon.upperBound..<line.endIndex])
            )
        }
    }
}
