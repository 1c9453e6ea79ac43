import HookdCore
import NIOCore

/// `hookd bench isolation`: what a noisy neighbour costs another app.
///
/// Two apps share one hookd. The quiet app publishes at a steady rate and its publish→receipt lag is measured three
/// times: alone (the baseline, in the same run); while the neighbour drains a large backlog to a fast receiver;
/// and while the neighbour's receiver takes `slowAnswer` to answer each delivery. Isolation holds when the second
/// and third figures stay within a few milliseconds of the first.
public struct IsolationBenchmark: Benchmark {
    /// The quiet app's publishing rate, and how long each phase publishes.
    public var quietPace: PublishPace = .perSecond(200, for: 10)
    /// The neighbour's pending deliveries, seeded before hookd starts.
    public var backlog = 100_000
    /// How long the neighbour's slow receiver takes to answer each delivery.
    public var slowAnswer: Duration = .seconds(10)
    /// Events written per transaction while the backlog is seeded.
    public var seedBatch = 2_000

    public init() {}

    public var parameters: [String: Double] {
        [
            "rate": quietPace.perSecond, "seconds": quietPace.seconds, "backlog": Double(backlog),
            "slowAnswer": slowAnswer / .seconds(1),
        ]
    }

    public struct Report: BenchReport {
        /// The quiet app's lag with the neighbour idle (its deliveries held).
        public var alone: PublishLag
        /// The quiet app's lag while the neighbour drains its backlog to a fast receiver.
        public var besideBacklog: PublishLag
        /// The neighbour's own deliveries per second during that phase.
        public var neighbourBacklogPerSecond: Double
        /// The quiet app's lag while the neighbour's receiver is slow.
        public var besideSlowReceiver: PublishLag
        /// Requests the slow receiver had received during that phase (the neighbour's attempts it held).
        public var neighbourSlowRequests: Int
        /// `besideBacklog` and `besideSlowReceiver` minus `alone`, p50 and p99, in milliseconds.
        public var extraBacklogP50: Double
        public var extraBacklogP99: Double
        public var extraSlowP50: Double
        public var extraSlowP99: Double

        public var text: String {
            """
            alone          \(alone.text)
            beside backlog \(besideBacklog.text); \(Self.change(extraBacklogP50)) p50, \(Self.change(extraBacklogP99)) p99; the neighbour delivered \(Format.rate(neighbourBacklogPerSecond))
            beside slow    \(besideSlowReceiver.text); \(Self.change(extraSlowP50)) p50, \(Self.change(extraSlowP99)) p99; the neighbour's receiver held \(neighbourSlowRequests) attempts
            """
        }

        /// `+1.9 ms` or `-0.4 ms`: the change from the baseline.
        static func change(_ milliseconds: Double) -> String {
            let rounded = Format.rounded(milliseconds, places: 2)
            return (rounded < 0 ? "" : "+") + "\(rounded) ms"
        }
    }

    public func run(_ setup: HookdSetup, progress: BenchProgress) async throws -> Report {
        var setup = setup
        setup.serveOptions += ["--allow-http-targets", "--allow-private-targets"]
        let neighbour = try await setup.createApp()
        let quiet = try await setup.createApp()
        let quietReceiver = try await BenchReceiver(sampleEvery: 0)
        let fastReceiver = try await BenchReceiver(sampleEvery: 0)
        let slowReceiver = try await BenchReceiver(sampleEvery: 0, answerDelay: TimeAmount(slowAnswer))
        let receivers = [quietReceiver, fastReceiver, slowReceiver]
        let client = LoadGenerator(connections: 64)
        return try await runThenCleanUp {
            // A first start gives both apps their URL and secret; the neighbour's deliveries are then held.
            let first = try await HookdUnderTest.start(setup)
            let neighbourSession = try await BenchSession.open(first, app: neighbour, client: client)
            try await neighbourSession.holdDeliveries(afterSetting: fastReceiver.url, client: client)
            try await BenchSession.open(first, app: quiet, client: client).setWebhookURL(
                quietReceiver.url,
                client: client
            )
            await first.stop()
            _ = try await setup.seedBacklog(
                appID: neighbour.appID,
                events: backlog,
                batch: seedBatch,
                progress: progress
            )

            let hookd = try await HookdUnderTest.start(setup)
            let report = try await measure(
                hookd: hookd,
                neighbour: neighbour,
                quiet: quiet,
                receivers: receivers,
                client: client,
                progress: progress
            )
            progress.say("stopping hookd (the slow receiver's attempts end at their deadline)")
            await hookd.stop()
            return report
        } cleanUp: {
            for receiver in receivers { await receiver.stop() }
            await client.shutdown()
        }
    }

    private func measure(
        hookd: HookdUnderTest,
        neighbour: BenchApp,
        quiet: BenchApp,
        receivers: [BenchReceiver],
        client: LoadGenerator,
        progress: BenchProgress
    ) async throws -> Report {
        let (quietReceiver, fastReceiver, slowReceiver) = (receivers[0], receivers[1], receivers[2])
        let neighbourSession = try await BenchSession.open(hookd, app: neighbour, client: client)
        let quietSession = try await BenchSession.open(hookd, app: quiet, client: client)
        func lag() async throws -> PublishLag {
            try await PublishLag.measure(
                quietPace,
                from: quietSession,
                to: quietReceiver,
                client: client,
                progress: progress
            )
        }

        progress.say("phase 1: the quiet app alone (the neighbour's \(backlog) deliveries held)")
        let alone = try await lag()

        progress.say("phase 2: the neighbour drains its backlog to a fast receiver")
        try await neighbourSession.setWebhookURL(fastReceiver.url, client: client)
        try await Task.sleep(for: .seconds(1))
        let before = (fastReceiver.count, BenchClock.now())
        let besideBacklog = try await lag()
        let neighbourRate =
            Double(fastReceiver.count - before.0) / max(BenchClock.seconds(from: before.1, to: BenchClock.now()), 1e-9)
        guard fastReceiver.count < backlog else {
            throw BenchError("the neighbour's backlog ran out during the phase; give --backlog more events")
        }

        progress.say("phase 3: the neighbour's receiver takes \(slowAnswer) to answer")
        try await neighbourSession.setWebhookURL(slowReceiver.url, client: client)
        try await Task.sleep(for: .seconds(1))
        let besideSlowReceiver = try await lag()

        func extra(_ lag: PublishLag, _ percentile: KeyPath<LatencySummary, Double>) -> Double {
            lag.lag[keyPath: percentile] - alone.lag[keyPath: percentile]
        }
        return Report(
            alone: alone,
            besideBacklog: besideBacklog,
            neighbourBacklogPerSecond: neighbourRate,
            besideSlowReceiver: besideSlowReceiver,
            neighbourSlowRequests: slowReceiver.count,
            extraBacklogP50: extra(besideBacklog, \.p50),
            extraBacklogP99: extra(besideBacklog, \.p99),
            extraSlowP50: extra(besideSlowReceiver, \.p50),
            extraSlowP99: extra(besideSlowReceiver, \.p99)
        )
    }
}
