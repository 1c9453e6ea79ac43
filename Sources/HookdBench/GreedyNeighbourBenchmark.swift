import HookdCore
import NIOHTTP1

/// `hookd bench isolation --greedy-endpoints N`: what an app with many stalling endpoints costs a quiet app
/// (SPEC §13: a tenant is an app, however many endpoints it has).
///
/// The greedy app has `greedyEndpoints` v3.20 endpoints, each on a receiver that answers the status line and
/// headers and then stalls (every attempt lasts the delivery timeout), and thousands of deliveries due to them.
/// The quiet app publishes at a steady rate to a fast receiver, and its publish→receipt lag is measured twice in
/// the same run: alone (the greedy app suspended, its deliveries held), then with the greedy app active again. The
/// greedy receiver's most connections open at once is what the greedy app held.
public struct GreedyNeighbourBenchmark: Benchmark {
    /// The quiet app's publishing rate, and how long each phase publishes.
    public var quietPace: PublishPace = .perSecond(200, for: 10)
    /// The greedy app's endpoints, and the events published to all of them.
    public var greedyEndpoints = 24
    public var greedyEvents = 200
    /// Delivery workers (more than one: PostgreSQL, with an API node apart).
    public var workers = 1

    public init() {}

    public var parameters: [String: Double] {
        [
            "rate": quietPace.perSecond, "seconds": quietPace.seconds, "greedyEndpoints": Double(greedyEndpoints),
            "greedyEvents": Double(greedyEvents), "workers": Double(workers),
        ]
    }

    public struct Report: BenchReport {
        public var alone: PublishLag
        public var besideGreedy: PublishLag
        /// The greedy app's endpoints and its deliveries due when the phase began.
        public var greedyEndpoints: Int
        public var greedyDeliveries: Int
        /// The most of the greedy app's attempts open at once (its receiver's connections).
        public var greedyMostOpen: Int
        public var workers: Int
        /// `besideGreedy.p99 / alone.p99`.
        public var p99Ratio: Double

        public var text: String {
            """
            alone          \(alone.text)
            beside greedy  \(besideGreedy.text); p99 \(Format.ratio(p99Ratio)) of alone
            greedy app     \(greedyEndpoints) stalling endpoints, \(greedyDeliveries) deliveries due; at most \(greedyMostOpen) of its attempts open at once (\(workers) worker\(workers == 1 ? "" : "s"))
            """
        }
    }

    public func run(_ setup: HookdSetup, progress: BenchProgress) async throws -> Report {
        var setup = setup
        setup.serveOptions += [
            "--allow-http-targets", "--allow-private-targets",
            "--max-endpoints-per-app", String(max(20, greedyEndpoints)),
            // Each endpoint is created through the API, which limits such changes.
            "--webhook-updates-per-minute", "10000",
        ]
        let greedy = try await setup.createApp()
        let quiet = try await setup.createApp()
        let quietReceiver = try await BenchReceiver(sampleEvery: 0)
        let stalling = try await BenchReceiver(sampleEvery: 0, stallsAfterHead: true)
        let client = LoadGenerator(connections: 64)
        return try await runThenCleanUp {
            let fleet = try await HookdFleet.start(setup, workers: workers)
            return try await runThenCleanUp {
                try await measure(
                    fleet.api,
                    greedy: greedy,
                    quiet: quiet,
                    receivers: (quietReceiver, stalling),
                    client,
                    progress: progress
                )
            } cleanUp: {
                progress.say("stopping hookd (the greedy app's attempts end at their deadline)")
                await fleet.stop()
            }
        } cleanUp: {
            for receiver in [quietReceiver, stalling] { await receiver.stop() }
            await client.shutdown()
        }
    }

    private func measure(
        _ hookd: HookdUnderTest,
        greedy: BenchApp,
        quiet: BenchApp,
        receivers: (quiet: BenchReceiver, stalling: BenchReceiver),
        _ client: LoadGenerator,
        progress: BenchProgress
    ) async throws -> Report {
        let greedySession = try await BenchSession.open(hookd, app: greedy, client: client)
        let quietSession = try await BenchSession.open(hookd, app: quiet, client: client)
        try await quietSession.setWebhookURL(receivers.quiet.url, client: client)
        progress.say(
            "the greedy app: \(greedyEndpoints) endpoints; suspended while \(greedyEvents) events each are published"
        )
        for index in 0..<greedyEndpoints {
            try await greedySession.createEndpoint(
                url: receivers.stalling.url + "/\(index)",
                event: "CARD_CREATED",
                secret: "whsec_" + String(repeating: "A", count: 32),
                client: client
            )
        }
        try await greedySession.setApp(suspended: true, client: client)
        let published = await client.run(
            count: greedyEvents,
            concurrency: 16,
            expecting: .accepted
        ) { index in greedySession.publishRequest(eventID: EventData.eventID(), index: index) }
        guard published.failed == 0 else {
            throw BenchError("\(published.failed) publishes failed: \(published.failures)")
        }

        func lag() async throws -> PublishLag {
            try await PublishLag.measure(
                quietPace,
                from: quietSession,
                to: receivers.quiet,
                client: client,
                progress: progress
            )
        }
        progress.say("phase 1: the quiet app alone")
        let alone = try await lag()

        progress.say("phase 2: the greedy app active again; its receiver stalls after the headers")
        try await greedySession.setApp(suspended: false, client: client)
        try await Task.sleep(for: .seconds(1))
        receivers.stalling.reset()
        let beside = try await lag()
        return Report(
            alone: alone,
            besideGreedy: beside,
            greedyEndpoints: greedyEndpoints,
            greedyDeliveries: greedyEndpoints * greedyEvents,
            greedyMostOpen: receivers.stalling.connections.mostOpen,
            workers: workers,
            p99Ratio: beside.lag.p99 / max(alone.lag.p99, 1e-9)
        )
    }
}
