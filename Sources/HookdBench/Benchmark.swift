/// A benchmark: the value holds its settings, and `run` measures hookd started from a setup.
///
/// `hookd bench …` commands make one from their options and run it on a fresh setup; what the benchmark needs
/// beyond its settings (the hookd to start and where progress goes) is given to `run`, not stored.
public protocol Benchmark: Sendable {
    associatedtype Report: BenchReport

    /// The settings the JSON report lists under `parameters`, by name.
    var parameters: [String: Double] { get }

    /// Runs the benchmark on hookd started from `setup`, saying how it goes on `progress`.
    ///
    /// - Parameters:
    ///   - setup: The hookd to start: its binary, data directory, database and `serve` options.
    ///   - progress: Where lines about the run go while it lasts.
    /// - Returns: The figures.
    /// - Throws: ``BenchError`` when the run could not measure what it should.
    func run(_ setup: HookdSetup, progress: BenchProgress) async throws -> Report
}
