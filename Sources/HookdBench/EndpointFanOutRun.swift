import Foundation
import HookdVerify
import NIOHTTP1

/// `hookd bench deliveries --endpoints N`: the drain of a backlog fanned out to N v3.20 endpoints of one app.
///
/// The backlog is published to a hookd started with `--role api` (no dispatcher), so every delivery waits; then
/// hookd is started again with its dispatcher on the same store and the clock runs from that restart to the last
/// arrival (the restart's own second or so is inside the figure). Every endpoint takes the same secret, brought
/// at creation, so samples verify with one secret.
struct EndpointFanOutRun {
    let benchmark: DeliveriesBenchmark
    let setup: HookdSetup
    let progress: BenchProgress

    func run(app: BenchApp) async throws -> DeliveriesBenchmark.Report {
        try await benchmark.withReceiverAndClient { receiver, client in
            try await measure(app: app, receiver: receiver, client: client)
        }
    }

    private func measure(
        app: BenchApp,
        receiver: BenchReceiver,
        client: LoadGenerator
    ) async throws -> DeliveriesBenchmark.Report {
        progress.say("baseline: \(benchmark.events) requests to the receiver, \(benchmark.inFlight) at a time")
        let baseline = try await benchmark.baselineRun(receiver: receiver, client: client, progress: progress)
        receiver.reset()

        let secret = HeldBacklog.randomSecret()
        let eventIDs = (0..<benchmark.events).map { _ in EventData.eventID() }
        let publishedPerSecond = try await HeldBacklog(
            setup: setup,
            app: app,
            endpoints: benchmark.endpoints,
            url: receiver.url,
            secret: secret,
            concurrency: benchmark.publishConcurrency
        ).publish(eventIDs, client: client, progress: progress)

        progress.say("starting hookd with its dispatcher: it delivers the backlog to every endpoint")
        let expected = benchmark.events * benchmark.endpoints
        let started = BenchClock.now()
        let hookd = try await HookdUnderTest.start(setup)
        do {
            let drained = try await progress.reporting("\(receiver.count) delivered") {
                try await waitForArrivals(of: Set(eventIDs), at: receiver, count: expected, seconds: 600)
            }
            let arrivals = receiver.arrivals
            let seconds = BenchClock.seconds(from: started, to: arrivals.map(\.nanoseconds).max() ?? started)
            guard drained else { throw BenchError("only \(arrivals.count) of \(expected) deliveries arrived") }
            let (checked, failed) = verifySamples(
                receiver.samples,
                secret: secret,
                schemes: [.fyatu, .standardWebhooks]
            )
            let lag = try await benchmark.measureLag(
                session: try await BenchSession.open(hookd, app: app, client: client),
                receiver: receiver,
                client: client,
                progress: progress
            )
            let memory = hookd.memory
            _ = await hookd.stop()
            let delivered = DeliveriesBenchmark.Report.Throughput.of(expected, in: seconds)
            return DeliveriesBenchmark.Report(
                baseline: baseline,
                deliveries: delivered,
                ratio: delivered.perSecond / max(baseline.perSecond, 1e-9),
                duplicates: max(0, arrivals.count - expected),
                publishedPerSecond: publishedPerSecond,
                lag: lag,
                signaturesChecked: checked,
                signaturesFailed: failed,
                peakMemoryMiB: Double(memory?.peakResidentBytes ?? 0) / 1_048_576,
                endpoints: benchmark.endpoints
            )
        } catch {
            _ = await hookd.stop()
            throw error
        }
    }
}
