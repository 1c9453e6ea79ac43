import HookdCore
import HookdDelivery
import HookdServer
import HookdStore
import Logging
import Synchronization

/// `hookd bench backlog`: hookd started on a million pending deliveries. Its memory while it holds them and while
/// it drains them, and how long the drain takes.
public struct BacklogBenchmark: Benchmark {
    /// Pending deliveries, and hookd's `--max-in-flight` while it drains them.
    public var events = 1_000_000
    public var inFlight = 64
    /// Events written per transaction while the backlog is seeded.
    public var seedBatch = 2_000

    public init() {}

    public var parameters: [String: Double] { ["events": Double(events), "inFlight": Double(inFlight)] }

    public struct Report: BenchReport {
        public var events: Int
        public var seedSeconds: Double
        /// Resident memory once started on the backlog, before delivering.
        public var idleMemoryMiB: Double
        /// The highest resident memory seen while draining (`VmHWM` at the end).
        public var peakMemoryMiB: Double
        public var drainSeconds: Double
        public var drainPerSecond: Double
        public var duplicates: Int

        public var text: String {
            """
            backlog     \(events) pending deliveries (seeded in \(Format.rounded(seedSeconds, places: 1)) s)
            memory      \(Format.rounded(idleMemoryMiB, places: 1)) MiB holding them, \(Format.rounded(peakMemoryMiB, places: 1)) MiB at the peak of the drain
            drain       \(Format.rounded(drainSeconds, places: 1)) s, \(Format.rate(drainPerSecond)), \(duplicates) duplicates
            """
        }
    }

    public func run(_ setup: HookdSetup, progress: BenchProgress) async throws -> Report {
        var setup = setup
        // hookd's own caps: what an operator with one large tenant gets.
        setup.serveOptions += [
            "--allow-http-targets", "--allow-private-targets", "--max-in-flight", String(inFlight),
        ]
        let app = try await setup.createApp()
        let receiver = try await BenchReceiver(sampleEvery: 0)
        let client = LoadGenerator(connections: 4)
        return try await runThenCleanUp {
            // A first start configures the app's URL and secret, then holds deliveries (URL unset) and stops.
            let first = try await HookdUnderTest.start(setup)
            let session = try await BenchSession.open(first, app: app, client: client)
            try await session.holdDeliveries(afterSetting: receiver.url, client: client)
            await first.stop()

            let seedSeconds = try await setup.seedBacklog(
                appID: app.appID,
                events: events,
                batch: seedBatch,
                progress: progress
            )

            progress.say("starting hookd on the backlog")
            let hookd = try await HookdUnderTest.start(setup)
            try await Task.sleep(for: .seconds(2))
            let idle = hookd.memory
            let restarted = try await BenchSession.open(hookd, app: app, client: client)
            progress.say("setting the URL: hookd drains \(events) deliveries")
            let enabled = BenchClock.now()
            try await restarted.setWebhookURL(receiver.url, client: client)
            let deadline = enabled + 3_600_000_000_000
            try await progress.reporting(
                "\(receiver.count) delivered, hookd at \(Format.rounded(Self.mebibytes(hookd.memory?.residentBytes ?? 0), places: 1)) MiB"
            ) {
                while receiver.count < events, BenchClock.now() < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            let arrivals = receiver.arrivals
            let last = arrivals.map(\.nanoseconds).max() ?? enabled
            let peak = hookd.memory
            await hookd.stop()
            let distinct = Set(arrivals.map(\.eventID)).count
            guard distinct >= events else {
                throw BenchError("only \(distinct) of \(events) deliveries arrived within an hour")
            }
            let seconds = BenchClock.seconds(from: enabled, to: last)
            return Report(
                events: events,
                seedSeconds: seedSeconds,
                idleMemoryMiB: Self.mebibytes(idle?.residentBytes ?? 0),
                peakMemoryMiB: Self.mebibytes(peak?.peakResidentBytes ?? 0),
                drainSeconds: seconds,
                drainPerSecond: Double(events) / max(seconds, 1e-9),
                duplicates: arrivals.count - distinct
            )
        } cleanUp: {
            await receiver.stop()
            await client.shutdown()
        }
    }

    static func mebibytes(_ bytes: Int) -> Double {
        Double(bytes) / 1_048_576
    }
}

extension HookdSetup {
    /// Writes `events` pending deliveries for `appID` straight into the store, `batch` per transaction, while
    /// hookd is stopped; returns how long it took in seconds.
    func seedBacklog(appID: AppID, events: Int, batch: Int, progress: BenchProgress) async throws -> Double {
        progress.say("seeding \(events) pending deliveries")
        var logger = Logger(label: "hookd.bench")
        logger.logLevel = .warning
        let started = BenchClock.now()
        let written = Counter()
        try await HookdRuntime.withOpened(
            dataDirectory: DataDirectory(path: dataDirectory),
            create: false,
            databaseURL: databaseURL,
            logger: logger
        ) { runtime in
            try await progress.reporting("\(written.current) written") {
                var index = 0
                while index < events {
                    let end = min(events, index + batch)
                    let batch = (index..<end).map { position in
                        NewEvent(
                            appID: appID,
                            eventID: EventID(EventData.eventID()),
                            event: "card.created",
                            data: Array(EventData.card(index: position).utf8)
                        )
                    }
                    _ = try await runtime.store.publishAll(
                        batch,
                        attemptsAllowed: 4,
                        now: SystemWallClock().unixMillis
                    )
                    written.set(end)
                    index = end
                }
            }
        }
        return BenchClock.seconds(from: started, to: BenchClock.now())
    }
}
