import HookdBench

/// A benchmark of `HookdBench` as a command runs it: made from its options, a setup and the progress, then run.
///
/// The commands whose benchmark needs nothing more than that run it with `BenchOptions.run(_:_:settings:parameters:)`.
protocol Benchmark {
    associatedtype Options: Sendable
    associatedtype Report: BenchReport

    init(options: Options, setup: HookdSetup, progress: BenchProgress)

    func run() async throws -> Report
}

extension BacklogBenchmark: Benchmark {}
extension FairnessBenchmark: Benchmark {}
extension GreedyNeighbourBenchmark: Benchmark {}
extension IsolationBenchmark: Benchmark {}
