import ArgumentParser
import HookdBench

/// `hookd bench backlog`: hookd's memory on a large backlog, and the time to drain it.
struct BacklogBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backlog",
        abstract: "hookd's memory on a backlog of pending deliveries, and the time to drain it."
    )

    @OptionGroup var options: BenchOptions
    @Option(help: "Pending deliveries.") var events = 1_000_000
    @Option(help: "hookd's --max-in-flight.") var inFlight = 64

    func run() async throws {
        var benchmark = BacklogBenchmark()
        benchmark.events = events
        benchmark.inFlight = inFlight
        try await options.run(benchmark, "backlog")
    }
}
