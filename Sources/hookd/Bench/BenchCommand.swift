import ArgumentParser

/// `hookd bench …`: the published benchmarks, each with a baseline measured in the same run.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure hookd on this machine, against a baseline measured in the same run.",
        discussion: """
            Each benchmark starts its own `hookd serve` (this binary) on a fresh data directory, or on the empty \
            PostgreSQL database given with --database, and drives it over HTTP on 127.0.0.1. Progress goes to \
            standard error; the report to standard output (JSON with --json). Build with -c release first: \
            figures from a debug build say little.
            """,
        subcommands: [
            DeliveriesBench.self, IngestBench.self, APIBench.self, BacklogBench.self, IsolationBench.self,
            FairnessBench.self, SigningBench.self,
        ]
    )
}
