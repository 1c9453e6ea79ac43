import ArgumentParser
import HookdBench

/// `hookd bench ingest`: the platform's publishing path.
struct IngestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Publishes per second and their latency through POST /internal/events, against GET /health."
    )

    @OptionGroup var options: BenchOptions
    @OptionGroup var load: RequestRateOptions

    func run() async throws {
        try await load.run(.ingest, options: options)
    }
}
