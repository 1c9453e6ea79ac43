import ArgumentParser
import HookdBench

/// `hookd bench api`: the customers' API.
struct APIBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "POST /webhooks/secret/regenerate and GET /webhooks per second, against GET /health."
    )

    @OptionGroup var options: BenchOptions
    @OptionGroup var load: RequestRateOptions

    func run() async throws {
        try await load.run(.api, options: options)
    }
}
