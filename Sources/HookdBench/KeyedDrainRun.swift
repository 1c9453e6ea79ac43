import Foundation
import HookdVerify
import NIOHTTP1

/// `hookd bench deliveries --ordering keyed --keys N`: the drain of a backlog to one v3.20 endpoint that keeps the
/// order of N ordering keys (SPEC §15), beside the same drain to an endpoint that keeps none, in the same run.
///
/// Each drain is its own app: its backlog is published, every event with a key (event `i` has key `i mod N`), to a
/// hookd started with `--role api`, so every delivery waits; then hookd is started again with its dispatcher and the
/// clock runs from that restart to the last arrival. The unordered drain comes first; the keyed one after it, and
/// its arrivals are checked: each key's events must first arrive in publish order.
struct KeyedDrainRun {
    let benchmark: DeliveriesBenchmark
    let setup: HookdSetup
    let progress: BenchProgress

    /// One drain: its rate, hookd's CPU per delivery, and how many events of a key first arrived before an event of
    /// that key published earlier.
    struct Drain {
        var throughput: DeliveriesBenchmark.Report.Throughput
        var cpuMillisecondsPerDelivery: Double?
        var outOfOrder: Int
        var duplicates: Int
        var signatures: (checked: Int, failed: Int)
        var peakMemoryMiB: Double
        var publishedPerSecond: Double
    }

    func run(app: BenchApp) async throws -> DeliveriesBenchmark.Report {
        try await benchmark.withReceiverAndClient { receiver, client in
            progress.say("baseline: \(benchmark.events) requests to the receiver, \(benchmark.inFlight) at a time")
            let baseline = try await benchmark.baselineRun(receiver: receiver, client: client, progress: progress)
            receiver.reset()
            progress.say("unordered: \(benchmark.events) events with \(benchmark.orderingKeys) keys, endpoint NONE")
            let unordered = try await drain(app: app, ordering: "NONE", receiver: receiver, client: client)
            receiver.reset()
            progress.say("keyed: the same, a second app, endpoint KEYED")
            let keyed = try await drain(
                app: try await setup.createApp(),
                ordering: "KEYED",
                receiver: receiver,
                client: client
            )
            var report = DeliveriesBenchmark.Report(
                baseline: baseline,
                deliveries: keyed.throughput,
                ratio: keyed.throughput.perSecond / max(baseline.perSecond, 1e-9),
                duplicates: keyed.duplicates,
                publishedPerSecond: keyed.publishedPerSecond,
                lag: PublishLag(perSecond: 0, events: 0, arrived: 0, lag: LatencySummary(nanoseconds: [])),
                signaturesChecked: keyed.signatures.checked,
                signaturesFailed: keyed.signatures.failed,
                peakMemoryMiB: keyed.peakMemoryMiB
            )
            report.cpuMillisecondsPerDelivery = keyed.cpuMillisecondsPerDelivery
            report.ordering = DeliveriesBenchmark.Report.Ordering(
                keys: benchmark.orderingKeys,
                unordered: unordered.throughput,
                unorderedCPUMillisecondsPerDelivery: unordered.cpuMillisecondsPerDelivery,
                ratioToUnordered: keyed.throughput.perSecond / max(unordered.throughput.perSecond, 1e-9),
                outOfOrder: keyed.outOfOrder
            )
            return report
        }
    }

    private func drain(
        app: BenchApp,
        ordering: String,
        receiver: BenchReceiver,
        client: LoadGenerator
    ) async throws -> Drain {
        let secret = HeldBacklog.randomSecret()
        let keys = benchmark.orderingKeys
        let eventIDs = (0..<benchmark.events).map { _ in EventData.eventID() }
        // A key's events are `keys` apart in the backlog and the closed loop keeps at most half that many in flight,
        // so each key's events are published in index order.
        let publishedPerSecond = try await HeldBacklog(
            setup: setup,
            app: app,
            endpoints: 1,
            url: receiver.url,
            secret: secret,
            ordering: ordering,
            concurrency: min(benchmark.publishConcurrency, max(1, keys / 2))
        ).publish(eventIDs, orderingKey: { "key-\($0 % keys)" }, client: client, progress: progress)

        let started = BenchClock.now()
        let hookd = try await HookdUnderTest.start(setup)
        do {
            let cpuBefore = ProcessCPU.read(pid: hookd.pid)
            let drained = try await progress.reporting("\(receiver.count) delivered (\(ordering))") {
                try await waitForArrivals(of: Set(eventIDs), at: receiver, seconds: 900)
            }
            let cpuAfter = ProcessCPU.read(pid: hookd.pid)
            let arrivals = receiver.arrivals
            guard drained else { throw BenchError("only \(arrivals.count) of \(eventIDs.count) deliveries arrived") }
            let seconds = BenchClock.seconds(from: started, to: arrivals.map(\.nanoseconds).max() ?? started)
            let memory = hookd.memory
            _ = await hookd.stop()
            return Drain(
                throughput: .of(eventIDs.count, in: seconds),
                cpuMillisecondsPerDelivery: cpuBefore.flatMap { before in
                    cpuAfter.map { ($0.seconds - before.seconds) * 1000 / Double(eventIDs.count) }
                },
                outOfOrder: Self.outOfOrder(arrivals, eventIDs: eventIDs, keys: keys),
                duplicates: arrivals.count - Set(arrivals.map(\.eventID)).count,
                signatures: verifySamples(receiver.samples, secret: secret, schemes: [.fyatu, .standardWebhooks]),
                peakMemoryMiB: Double(memory?.peakResidentBytes ?? 0) / 1_048_576,
                publishedPerSecond: publishedPerSecond
            )
        } catch {
            _ = await hookd.stop()
            throw error
        }
    }

    /// How many events first arrived after an event of their key published later (event `i`'s key is `i mod keys`).
    static func outOfOrder(_ arrivals: [BenchReceiver.Arrival], eventIDs: [String], keys: Int) -> Int {
        let index = Dictionary(uniqueKeysWithValues: eventIDs.enumerated().map { ($1, $0) })
        var seen = Set<String>()
        var latest: [Int: Int] = [:]
        var outOfOrder = 0
        for arrival in arrivals where seen.insert(arrival.eventID).inserted {
            guard let position = index[arrival.eventID] else { continue }
            let key = position % keys
            if let last = latest[key], last > position { outOfOrder += 1 }
            latest[key] = max(latest[key] ?? position, position)
        }
        return outOfOrder
    }
}
