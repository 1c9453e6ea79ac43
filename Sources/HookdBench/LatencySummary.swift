/// What a benchmark returns: its figures, as JSON for `--json` and as lines for a person.
public protocol BenchReport: Sendable, Codable {
    /// The report as lines for a person.
    var text: String { get }
}

/// Percentiles of a set of latencies, in milliseconds.
public struct LatencySummary: Sendable, Codable, Equatable {
    public var count: Int
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var max: Double

    /// Summarises `nanoseconds` (any order). Percentiles are nearest-rank: p99 of 100 values is the 99th smallest.
    public init(nanoseconds: [UInt64]) {
        let sorted = nanoseconds.sorted()
        count = sorted.count
        func rank(_ percent: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let index = Swift.max(0, Int((percent / 100 * Double(sorted.count)).rounded(.up)) - 1)
            return Double(sorted[Swift.min(index, sorted.count - 1)]) / 1e6
        }
        p50 = rank(50)
        p90 = rank(90)
        p99 = rank(99)
        max = rank(100)
    }

    /// `p50 1.23 ms · p99 4.56 ms · max 7.89 ms`
    public var text: String {
        "p50 \(Format.milliseconds(p50)) · p99 \(Format.milliseconds(p99)) · max \(Format.milliseconds(max))"
    }
}

/// How figures are written in a benchmark's report.
enum Format {
    static func milliseconds(_ value: Double) -> String {
        value < 10 ? "\(rounded(value, places: 2)) ms" : "\(rounded(value, places: 1)) ms"
    }

    static func rate(_ value: Double) -> String {
        "\(Int(value.rounded()))/s"
    }

    static func ratio(_ value: Double) -> String {
        "\(rounded(value, places: 2))"
    }

    static func rounded(_ value: Double, places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (value * scale).rounded() / scale
    }
}
