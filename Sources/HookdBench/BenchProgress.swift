import Foundation

/// Progress lines on standard error while a benchmark runs, so standard output stays the report.
public struct BenchProgress: Sendable {
    /// Whether anything is written (off for `--quiet`).
    public var enabled: Bool

    public init(enabled: Bool) {
        self.enabled = enabled
    }

    /// Writes `line` on standard error.
    public func say(_ line: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Evaluates `current` every second and writes it until `body` returns.
    public func reporting<Result: Sendable>(
        _ current: @escaping @autoclosure @Sendable () -> String,
        every interval: Duration = .seconds(1),
        while body: () async throws -> Result
    ) async throws -> Result {
        guard enabled else { return try await body() }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                FileHandle.standardError.write(Data(("  … " + current() + "\n").utf8))
            }
        }
        defer { ticker.cancel() }
        return try await body()
    }
}
