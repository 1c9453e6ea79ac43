import ArgumentParser
import HookdBench

/// The load `ingest` and `api` drive their routes with, and how they run.
struct RequestRateOptions: ParsableArguments {
    @Option(help: "Requests measured per route.")
    var requests = 20_000

    @Option(help: "Requests in flight.")
    var concurrency = 64

    /// Runs the `kind` benchmark with this load, under the options every benchmark takes.
    func run(_ kind: RequestRateBenchmark.Kind, options: BenchOptions) async throws {
        var benchmark = RequestRateBenchmark(kind: kind)
        benchmark.requests = requests
        benchmark.concurrency = concurrency
        try await options.run(benchmark, kind.rawValue)
    }
}
