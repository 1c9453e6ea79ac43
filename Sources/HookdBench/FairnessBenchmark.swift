import HookdCore

/// `hookd bench fairness --apps N`: how evenly apps with equal backlogs share the delivery slots (SPEC §13).
///
/// Each of `apps` apps has its own fast receiver and the same backlog, written while hookd is stopped, so all of it
/// is due when hookd starts. Until the first app's backlog is delivered, every app is busy: each one's share of the
/// deliveries made in that window, and Jain's fairness index over them ((Σx)² / (n·Σx²): 1 when every share is
/// equal, 1/n when one app has everything), say how fairly the slots went round.
public struct FairnessBenchmark: Benchmark {
    /// The apps, and the backlog of each.
    public var apps = 10
    public var events = 3_000
    /// Delivery workers (more than one: PostgreSQL, with an API node apart).
    public var workers = 1

    public init() {}

    public var parameters: [String: Double] {
        ["apps": Double(apps), "events": Double(events), "workers": Double(workers)]
    }

    public struct Report: BenchReport {
        public var apps: Int
        public var eventsPerApp: Int
        public var workers: Int
        /// Each app's deliveries while every app was busy, in the order the apps were made.
        public var deliveriesWhileAllBusy: [Int]
        /// How long every app was busy, and all apps' deliveries per second in that time.
        public var seconds: Double
        public var perSecond: Double
        /// Jain's fairness index over `deliveriesWhileAllBusy`.
        public var jainIndex: Double
        /// The smallest and largest share of the window's deliveries.
        public var smallestShare: Double
        public var largestShare: Double

        public var text: String {
            let fair = 1.0 / Double(max(apps, 1))
            return """
                apps        \(apps) with \(eventsPerApp) deliveries due each (\(workers) worker\(workers == 1 ? "" : "s"))
                all busy    \(Format.rounded(seconds, places: 2)) s, \(Format.rate(perSecond)) in all
                shares      smallest \(Format.rounded(smallestShare * 100, places: 1)) %, largest \(Format.rounded(largestShare * 100, places: 1)) % (an equal share: \(Format.rounded(fair * 100, places: 1)) %)
                Jain        \(Format.rounded(jainIndex, places: 4)) (1 is perfectly even)
                per app     \(deliveriesWhileAllBusy.map(String.init).joined(separator: " "))
                """
        }

        /// (Σx)² / (n·Σx²).
        static func jain(_ values: [Int]) -> Double {
            let sum = Double(values.reduce(0, +))
            let squares = values.reduce(0.0) { $0 + Double($1) * Double($1) }
            guard squares > 0 else { return 0 }
            return sum * sum / (Double(values.count) * squares)
        }
    }

    public func run(_ setup: HookdSetup, progress: BenchProgress) async throws -> Report {
        var setup = setup
        setup.serveOptions += ["--allow-http-targets", "--allow-private-targets"]
        var created: [BenchApp] = []
        for _ in 0..<apps { created.append(try await setup.createApp()) }
        var receivers: [BenchReceiver] = []
        let client = LoadGenerator(connections: 4)
        let (drained, arrivals) = try await runThenCleanUp {
            for _ in created { receivers.append(try await BenchReceiver(sampleEvery: 0)) }
            // A first start gives every app its URL; then hookd stops and the backlogs are written, all due.
            let first = try await HookdUnderTest.start(setup)
            do {
                for (app, receiver) in zip(created, receivers) {
                    try await BenchSession.open(first, app: app, client: client).setWebhookURL(
                        receiver.url,
                        client: client
                    )
                }
            } catch {
                await first.stop()
                throw error
            }
            await first.stop()
            for app in created {
                _ = try await setup.seedBacklog(
                    appID: app.appID,
                    events: events,
                    batch: 1_000,
                    progress: progress
                )
            }
            progress.say("starting hookd: \(apps) apps drain \(events) deliveries each")
            let fleet = try await HookdFleet.start(setup, workers: workers)
            let started = receivers
            let drained = try await progress.reporting("\(started.reduce(0) { $0 + $1.count }) delivered") {
                let deadline = BenchClock.now() + 600_000_000_000
                while BenchClock.now() < deadline {
                    if started.allSatisfy({ $0.count >= events }) { return true }
                    try await Task.sleep(for: .milliseconds(50))
                }
                return false
            }
            await fleet.stop()
            return (drained, receivers.map { $0.arrivals.map(\.nanoseconds) })
        } cleanUp: {
            for receiver in receivers { await receiver.stop() }
            await client.shutdown()
        }
        guard drained else {
            throw BenchError("only \(arrivals.reduce(0) { $0 + $1.count }) of \(apps * events) deliveries arrived")
        }
        return report(arrivals: arrivals)
    }

    /// The shares while every app was busy: from the first arrival to the moment the first app had all of its.
    func report(arrivals: [[UInt64]]) -> Report {
        let start = arrivals.compactMap { $0.min() }.min() ?? 0
        let end = arrivals.compactMap { $0.max() }.min() ?? start
        let counts = arrivals.map { times in times.filter { $0 <= end }.count }
        let sum = max(counts.reduce(0, +), 1)
        let seconds = BenchClock.seconds(from: start, to: end)
        return Report(
            apps: apps,
            eventsPerApp: events,
            workers: workers,
            deliveriesWhileAllBusy: counts,
            seconds: seconds,
            perSecond: Double(sum) / max(seconds, 1e-9),
            jainIndex: Report.jain(counts),
            smallestShare: Double(counts.min() ?? 0) / Double(sum),
            largestShare: Double(counts.max() ?? 0) / Double(sum)
        )
    }
}
