import ArgumentParser
import HookdBench

/// `hookd bench fairness`: how apps with equal backlogs share the delivery slots.
struct FairnessBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fairness",
        abstract: "Apps with equal backlogs: each one's share of the deliveries while all are busy, and Jain's index."
    )

    @OptionGroup var options: BenchOptions
    @Option(help: "Apps, each with its own receiver.") var apps = 10
    @Option(help: "Deliveries due to each app.") var events = 3_000
    @Option(help: "Delivery workers beside an API node (PostgreSQL).") var workers = 1

    func run() async throws {
        guard apps >= 2 else { throw CommandFailure("--apps must be at least 2") }
        var benchmark = FairnessBenchmark()
        benchmark.apps = apps
        benchmark.events = events
        benchmark.workers = workers
        try await options.run(benchmark, "fairness")
    }
}
