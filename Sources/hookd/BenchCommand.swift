import ArgumentParser
import Foundation
import HookdBench

/// `hookd bench …`: the published benchmarks, each with a baseline measured in the same run.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure hookd on this machine, against a baseline measured in the same run.",
        discussion: """
            Each benchmark starts its own `hookd serve` (this binary) on a fresh data directory, or on the empty \
            PostgreSQL database given with --database, and drives it over HTTP on 127.0.0.1. BenchProgress goes to \
            standard error; the report to standard output (JSON with --json). Build with -c release first: \
            figures from a debug build say little.
            """,
        subcommands: [
            DeliveriesBench.self, IngestBench.self, APIBench.self, BacklogBench.self, IsolationBench.self,
            FairnessBench.self,
        ]
    )
}

/// Options every benchmark takes.
struct BenchOptions: ParsableArguments {
    @Option(help: "An empty PostgreSQL database to run on, as postgres://…; default: SQLite in a fresh data directory.")
    var database: String?

    @Option(help: "Where the fresh data directory is made (default: the system's temporary folder).")
    var workDirectory: String?

    @Flag(help: "Keep the data directory afterwards (its serve.log has hookd's log).")
    var keep = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Flag(help: "No progress on standard error.")
    var quiet = false

    /// Runs `body` with a fresh setup, removes the data directory afterwards unless `--keep`, and prints the report.
    func run<Report: BenchReport>(
        _ name: String,
        parameters: [String: Double],
        serveOptions: [String] = [],
        _ body: (HookdSetup, BenchProgress) async throws -> Report
    ) async throws {
        let root = URL(fileURLWithPath: workDirectory ?? NSTemporaryDirectory())
        let directory = root.appendingPathComponent("hookd-bench-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer {
            if !keep { try? FileManager.default.removeItem(atPath: directory) }
        }
        let setup = HookdSetup(
            executable: Self.executable,
            dataDirectory: directory,
            databaseURL: database,
            serveOptions: serveOptions
        )
        let progress = BenchProgress(enabled: !quiet)
        progress.say("hookd bench \(name): data in \(directory)\(database == nil ? " (SQLite)" : " (PostgreSQL)")")
        let report: Report
        do {
            report = try await body(setup, progress)
        } catch let error as BenchError {
            throw CommandFailure(error.description)
        }
        if json {
            let envelope = BenchEnvelope(
                benchmark: name,
                machine: .current,
                store: database == nil ? "sqlite" : "postgresql",
                parameters: parameters,
                results: report
            )
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            emit(String(decoding: try encoder.encode(envelope), as: UTF8.self))
        } else {
            emit(report.text)
        }
    }

    /// This binary, which the benchmark starts as `hookd serve`.
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// The JSON summary: what ran, where, with what, and the figures.
struct BenchEnvelope<Results: Encodable>: Encodable {
    struct Machine: Encodable {
        var cores: Int
        var memoryGiB: Double
        var build: String
        var date: String

        static var current: Machine {
            #if DEBUG
            let build = "debug"
            #else
            let build = "release"
            #endif
            return Machine(
                cores: ProcessInfo.processInfo.activeProcessorCount,
                memoryGiB: Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824,
                build: build,
                date: ISO8601DateFormatter().string(from: Date())
            )
        }
    }

    var benchmark: String
    var machine: Machine
    var store: String
    var parameters: [String: Double]
    var results: Results
}

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

    func run() async throws {
        var settings = DeliveriesBenchmark.Options()
        settings.events = events
        settings.inFlight = inFlight
        settings.lagRate = lagRate
        settings.lagSeconds = lagSeconds
        guard (0...20).contains(endpoints) else { throw CommandFailure("--endpoints must be from 0 to 20") }
        settings.endpoints = endpoints
        settings.caps = DeliveriesBenchmark.Caps(perApp: maxInFlightPerApp, perEndpoint: maxInFlightPerEndpoint)
        settings.compareRaisedCaps = compareRaisedCaps
        guard !compareRaisedCaps || endpoints == 0 else {
            throw CommandFailure("--compare-raised-caps drains to the app's v3 URL: leave --endpoints at 0")
        }
        guard !compareSQLite || (options.database != nil && endpoints == 0) else {
            throw CommandFailure("--compare-sqlite compares a --database postgres://… run, to the app's v3 URL")
        }
        try await options.run(
            "deliveries",
            parameters: [
                "events": Double(events), "inFlight": Double(inFlight), "lagRate": lagRate, "lagSeconds": lagSeconds,
                "endpoints": Double(endpoints), "maxInFlightPerApp": Double(maxInFlightPerApp ?? 0),
                "maxInFlightPerEndpoint": Double(maxInFlightPerEndpoint ?? 0),
                "compareRaisedCaps": compareRaisedCaps ? 1 : 0, "compareSQLite": compareSQLite ? 1 : 0,
            ]
        ) { setup, progress in
            var settings = settings
            if compareSQLite {
                // A data directory of its own inside the run's, removed with it.
                settings.sqliteComparison = HookdSetup(
                    executable: setup.executable,
                    dataDirectory: setup.dataDirectory + "/sqlite",
                    databaseURL: nil,
                    serveOptions: []
                )
            }
            return try await DeliveriesBenchmark(options: settings, setup: setup, progress: progress).run()
        }
    }
}

struct IngestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Publishes per second and their latency through POST /internal/events, against GET /health."
    )

    @OptionGroup var options: BenchOptions
    @Option(help: "Requests measured per route.") var requests = 20_000
    @Option(help: "Requests in flight.") var concurrency = 64

    func run() async throws {
        try await RequestRates.run(.ingest, options: options, requests: requests, concurrency: concurrency)
    }
}

struct APIBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "POST /webhooks/secret/regenerate and GET /webhooks per second, against GET /health."
    )

    @OptionGroup var options: BenchOptions
    @Option(help: "Requests measured per route.") var requests = 20_000
    @Option(help: "Requests in flight.") var concurrency = 64

    func run() async throws {
        try await RequestRates.run(.api, options: options, requests: requests, concurrency: concurrency)
    }
}

/// What `ingest` and `api` share.
enum RequestRates {
    static func run(
        _ kind: RequestRateBenchmark.Kind,
        options: BenchOptions,
        requests: Int,
        concurrency: Int
    ) async throws {
        var settings = RequestRateBenchmark.Options()
        settings.requests = requests
        settings.concurrency = concurrency
        try await options.run(
            kind.rawValue,
            parameters: ["requests": Double(requests), "concurrency": Double(concurrency)]
        ) { setup, progress in
            try await RequestRateBenchmark(kind: kind, options: settings, setup: setup, progress: progress).run()
        }
    }
}

struct BacklogBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backlog",
        abstract: "hookd's memory on a backlog of pending deliveries, and the time to drain it."
    )

    @OptionGroup var options: BenchOptions
    @Option(help: "Pending deliveries.") var events = 1_000_000
    @Option(help: "hookd's --max-in-flight.") var inFlight = 64

    func run() async throws {
        var settings = BacklogBenchmark.Options()
        settings.events = events
        settings.inFlight = inFlight
        try await options.run(
            "backlog",
            parameters: ["events": Double(events), "inFlight": Double(inFlight)]
        ) { setup, progress in
            try await BacklogBenchmark(options: settings, setup: setup, progress: progress).run()
        }
    }
}

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
            var settings = GreedyNeighbourBenchmark.Options()
            settings.rate = rate
            settings.seconds = seconds
            settings.greedyEndpoints = greedyEndpoints
            settings.greedyEvents = greedyEvents
            settings.workers = workers
            try await options.run(
                "isolation-greedy",
                parameters: [
                    "rate": rate, "seconds": seconds, "greedyEndpoints": Double(greedyEndpoints),
                    "greedyEvents": Double(greedyEvents), "workers": Double(workers),
                ]
            ) { setup, progress in
                try await GreedyNeighbourBenchmark(options: settings, setup: setup, progress: progress).run()
            }
            return
        }
        var settings = IsolationBenchmark.Options()
        settings.rate = rate
        settings.seconds = seconds
        settings.backlog = backlog
        settings.slowAnswer = .seconds(slowAnswer)
        try await options.run(
            "isolation",
            parameters: ["rate": rate, "seconds": seconds, "backlog": Double(backlog), "slowAnswer": slowAnswer]
        ) { setup, progress in
            try await IsolationBenchmark(options: settings, setup: setup, progress: progress).run()
        }
    }
}

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
        var settings = FairnessBenchmark.Options()
        settings.apps = apps
        settings.events = events
        settings.workers = workers
        try await options.run(
            "fairness",
            parameters: ["apps": Double(apps), "events": Double(events), "workers": Double(workers)]
        ) { setup, progress in
            try await FairnessBenchmark(options: settings, setup: setup, progress: progress).run()
        }
    }
}
