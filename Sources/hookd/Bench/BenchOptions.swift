import ArgumentParser
import Foundation
import HookdBench

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

    /// Runs `benchmark` on a fresh setup, removes the data directory afterwards unless `--keep`, and prints the
    /// report, as `name`, with the benchmark's parameters.
    func run<Run: Benchmark>(_ benchmark: Run, _ name: String) async throws {
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
            serveOptions: []
        )
        let progress = BenchProgress(enabled: !quiet)
        progress.say("hookd bench \(name): data in \(directory)\(database == nil ? " (SQLite)" : " (PostgreSQL)")")
        let report: Run.Report
        do {
            report = try await benchmark.run(setup, progress: progress)
        } catch let error as BenchError {
            throw CommandFailure(error.description)
        }
        if json {
            let envelope = BenchEnvelope(
                benchmark: name,
                machine: .current,
                store: database == nil ? "sqlite" : "postgresql",
                parameters: benchmark.parameters,
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
