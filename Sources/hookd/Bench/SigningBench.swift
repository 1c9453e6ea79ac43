import ArgumentParser
import Foundation
import HookdBench

/// `hookd bench signing`: what signing a delivery costs with Ed25519 against HMAC.
struct SigningBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signing",
        abstract: "Time to sign one delivery with Ed25519 (v1a), against HMAC (v1 and X-Fyatu-Signature).",
        discussion: """
            Runs in this process, no hookd: the signing code the attempter calls, on a v3.20 body, in alternating \
            rounds; each figure is the median round.
            """
    )

    @Option(help: "Deliveries signed per round.")
    var iterations = 20_000

    @Option(help: "Rounds of each kind.")
    var rounds = 5

    @Option(help: "The body's size in bytes.")
    var bodyBytes = 512

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Flag(help: "Accepted as every benchmark takes it; this one says nothing while it runs.")
    var quiet = false

    func run() async throws {
        let benchmark = SigningBenchmark(iterations: iterations, rounds: rounds, bodyBytes: bodyBytes)
        let report = try benchmark.run()
        if json {
            let envelope = BenchEnvelope(
                benchmark: "signing",
                machine: .current,
                store: "none",
                parameters: [
                    "iterations": Double(benchmark.iterations), "rounds": Double(benchmark.rounds),
                    "bodyBytes": Double(report.bodyBytes),
                ],
                results: report
            )
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            emit(String(decoding: try encoder.encode(envelope), as: UTF8.self))
            return
        }
        let microseconds = { (nanoseconds: Double) in String(format: "%.2f µs", nanoseconds / 1000) }
        emit("signing one delivery, \(report.bodyBytes)-byte body, median of \(benchmark.rounds) rounds:")
        emit("  HMAC (X-Fyatu-Signature + webhook-signature v1): \(microseconds(report.hmacNanoseconds))")
        emit("  Ed25519 (webhook-signature v1a):                 \(microseconds(report.ed25519Nanoseconds))")
        emit("  Ed25519, two keys (rotation overlap):            \(microseconds(report.ed25519OverlapNanoseconds))")
        emit("  Ed25519 / HMAC: \(String(format: "%.1f", report.ratio))×")
    }
}
