import ArgumentParser
import HookdBench

/// `hookd bench isolation`: an app's lag beside a noisy neighbour (a backlog and a slow receiver, or a greedy app).
struct IsolationBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "isolation",
        abstract: "An app's publish→receipt lag alone, beside a neighbour's backlog, and beside its slow receiver.",
        discussion: """
            With --greedy-endpoints N, the neighbour is instead an app with N v3.20 endpoints whose receiver stalls \
            after the headers, with --greedy-events events due to each: the quiet app's lag alone and beside it.
            """
    )

    @OptionGroup var options: BenchOptions
    @Option(help: "The quiet app's events per second.") var rate = 200.0
    @Option(help: "Seconds each phase publishes.") var seconds = 10.0
    @Option(help: "The neighbour's pending deliveries.") var backlog = 100_000
    @Option(help: "Seconds the neighbour's slow receiver takes to answer.") var slowAnswer = 10.0
    @Option(help: "A greedy neighbour instead: this many stalling endpoints (0: the backlog and slow receiver).")
    var greedyEndpoints = 0
    @Option(help: "Events published to every greedy endpoint.") var greedyEvents = 200
    @Option(help: "Delivery workers beside an API node (PostgreSQL; with --greedy-endpoints).") var workers = 1

    func run() async throws {
        if greedyEndpoints > 0 {
            var benchmark = GreedyNeighbourBenchmark()
            benchmark.quietPace = .perSecond(rate, for: seconds)
            benchmark.greedyEndpoints = greedyEndpoints
            benchmark.greedyEvents = greedyEvents
            benchmark.workers = workers
            try await options.run(benchmark, "isolation-greedy")
            return
        }
        var benchmark = IsolationBenchmark()
        benchmark.quietPace = .perSecond(rate, for: seconds)
        benchmark.backlog = backlog
        benchmark.slowAnswer = .seconds(slowAnswer)
        try await options.run(benchmark, "isolation")
    }
}
