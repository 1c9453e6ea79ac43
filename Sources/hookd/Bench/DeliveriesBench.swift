import ArgumentParser
import HookdBench

/// `hookd bench deliveries`: sustained delivery throughput and publish→receipt lag.
struct DeliveriesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries",
        abstract: "Sustained deliveries per second against the receiver's own capacity, and publish→receipt lag."
    )

    @OptionGroup var options: BenchOptions
    @Option(help: "Events delivered in the throughput phase.") var events = 20_000
    @Option(help: "hookd's --max-in-flight, and the baseline's concurrency.") var inFlight = 64
    @Option(help: "Events per second in the lag phase.") var lagRate = 500.0
    @Option(help: "Seconds of the lag phase.") var lagSeconds = 10.0
    @Option(help: "v3.20 endpoints of the app, each taking every event (0: the app's v3 URL).") var endpoints = 0
    @Option(help: "hookd's --max-in-flight-per-app (default: hookd's own default).") var maxInFlightPerApp: Int?
    @Option(help: "hookd's --max-in-flight-per-endpoint (default: hookd's own default).")
    var maxInFlightPerEndpoint: Int?
    @Flag(help: "Drain a second backlog with the caps raised out of the way and report the first against it.")
    var compareRaisedCaps = false
    @Flag(
        name: .customLong("compare-sqlite"),
        help: "With --database: drain the same backlog on SQLite afterwards and report PostgreSQL against it."
    )
    var compareSQLite = false
    @Option(
        help: "none, or keyed: one endpoint keeping the order of --keys ordering keys, beside one keeping none."
    )
    var ordering = "none"
    @Option(help: "With --ordering keyed: how many ordering keys the events share (event i has key i mod keys).")
    var keys = 1_000

    func run() async throws {
        var benchmark = DeliveriesBenchmark()
        benchmark.events = events
        benchmark.inFlight = inFlight
        benchmark.lagPace = .perSecond(lagRate, for: lagSeconds)
        guard (0...20).contains(endpoints) else { throw CommandFailure("--endpoints must be from 0 to 20") }
        benchmark.endpoints = endpoints
        benchmark.caps = DeliveriesBenchmark.Caps(perApp: maxInFlightPerApp, perEndpoint: maxInFlightPerEndpoint)
        benchmark.compareRaisedCaps = compareRaisedCaps
        guard !compareRaisedCaps || endpoints == 0 else {
            throw CommandFailure("--compare-raised-caps drains to the app's v3 URL: leave --endpoints at 0")
        }
        guard !compareSQLite || (options.database != nil && endpoints == 0) else {
            throw CommandFailure("--compare-sqlite compares a --database postgres://… run, to the app's v3 URL")
        }
        benchmark.compareSQLite = compareSQLite
        switch ordering {
        case "none": break
        case "keyed":
            guard (1...1_000_000).contains(keys) else { throw CommandFailure("--keys must be from 1 to 1000000") }
            guard endpoints == 0, !compareRaisedCaps, !compareSQLite else {
                throw CommandFailure("--ordering keyed makes its own endpoints: leave --endpoints and --compare-* off")
            }
            benchmark.orderingKeys = keys
        default:
            throw CommandFailure("--ordering must be none or keyed")
        }
        try await options.run(benchmark, "deliveries")
    }
}
