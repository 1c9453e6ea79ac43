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
        var publishing = setup
        publishing.serveOptions += ["--role", "api"]
        return try await benchmark.withReceiverAndClient { receiver, client in
            try await measure(publishing: publishing, app: app, receiver: receiver, client: client)
        }
    }

    private func measure(
        publishing: HookdSetup,
        app: BenchApp,
        receiver: BenchReceiver,
        client: LoadGenerator
    ) async throws -> DeliveriesBenchmark.Report {
        progress.say("baseline: \(benchmark.events) requests to the receiver, \(benchmark.inFlight) at a time")
        let baseline = try await benchmark.baselineRun(receiver: receiver, client: client, progress: progress)
        receiver.reset()

        let secret = "whsec_" + Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let api = try await HookdUnderTest.start(publishing)
        let eventIDs = (0..<benchmark.events).map { _ in EventData.eventID() }
        let published: (rate: Double, failed: Int)
        do {
            let session = try await BenchSession.open(api, app: app, client: client)
            progress.say(
                "creating \(benchmark.endpoints) endpoints; publishing \(benchmark.events) events to hookd --role api"
            )
            for _ in 0..<benchmark.endpoints {
                try await session.createEndpoint(
                    url: receiver.url,
                    event: "CARD_CREATED",
                    secret: secret,
                    client: client
                )
            }
            let counter = Counter()
            let result = try await progress.reporting("\(counter.current) published") {
                await client.run(
                    count: benchmark.events,
                    concurrency: benchmark.publishConcurrency,
                    expecting: .accepted,
                    progress: counter
                ) { index in session.publishRequest(eventID: eventIDs[index], index: index) }
            }
            published = (result.rate, result.failed)
            _ = await api.stop()
        } catch {
            _ = await api.stop()
            throw error
        }
        guard published.failed == 0 else { throw BenchError("\(published.failed) publishes failed") }

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
                publishedPerSecond: published.rate,
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
