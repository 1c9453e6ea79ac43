import AsyncHTTPClient
import Foundation
import HookdCore
import HookdVerify
import NIOHTTP1
import Synchronization

/// `hookd bench deliveries`: sustained deliveries per second against the receiver's own capacity, and the
/// publish→receipt lag at a steady publishing rate.
public struct DeliveriesBenchmark: Benchmark {
    /// Events in the throughput phase.
    public var events = 20_000
    /// hookd's `--max-in-flight`, and the baseline's concurrency.
    public var inFlight = 64
    /// Publishes in flight while the backlog is built.
    public var publishConcurrency = 32
    /// Events per second in the lag phase, and for how long.
    public var lagPace: PublishPace = .perSecond(500, for: 10)
    /// Every n-th delivery is checked under all three signature schemes.
    public var verifyEvery = 100
    /// 0: the app's v3 URL. More: that many v3.20 endpoints, each subscribed to the event published, so every
    /// event fans out to each and deliveries are counted per endpoint delivery.
    public var endpoints = 0
    /// hookd's caps: its defaults unless given.
    public var caps = Caps()
    /// Drain a second backlog with the caps raised out of the way, on a hookd started again, and report the
    /// first drain against it: what the default caps cost an app alone.
    public var compareRaisedCaps = false
    /// Drain the same backlog afterwards on a hookd on SQLite (a data directory of its own inside the run's), with
    /// the same caps, and report this one against it: PostgreSQL against SQLite in the same run.
    public var compareSQLite = false
    /// 0: no ordering. More: drain to one v3.20 endpoint that keeps the order of that many ordering keys (SPEC
    /// §15), beside the same drain to one that keeps none, and report the keyed drain against it.
    public var orderingKeys = 0

    public init() {}

    public var parameters: [String: Double] {
        [
            "events": Double(events), "inFlight": Double(inFlight), "lagRate": lagPace.perSecond,
            "lagSeconds": lagPace.seconds, "endpoints": Double(endpoints),
            "maxInFlightPerApp": Double(caps.perApp ?? 0), "maxInFlightPerEndpoint": Double(caps.perEndpoint ?? 0),
            "compareRaisedCaps": compareRaisedCaps ? 1 : 0, "compareSQLite": compareSQLite ? 1 : 0,
            "orderingKeys": Double(orderingKeys),
        ]
    }

    /// `--max-in-flight-per-app` and `--max-in-flight-per-endpoint` as the benchmark gives them to hookd; `nil`:
    /// hookd's default.
    public struct Caps: Sendable, Codable {
        public var perApp: Int?
        public var perEndpoint: Int?

        public init(perApp: Int? = nil, perEndpoint: Int? = nil) {
            self.perApp = perApp
            self.perEndpoint = perEndpoint
        }

        /// Caps that never bind: each as large as everything the dispatcher may have claimed (twice the slots).
        static func raised(inFlight: Int) -> Caps { Caps(perApp: 2 * inFlight, perEndpoint: 2 * inFlight) }

        var serveOptions: [String] {
            (perApp.map { ["--max-in-flight-per-app", String($0)] } ?? [])
                + (perEndpoint.map { ["--max-in-flight-per-endpoint", String($0)] } ?? [])
        }

        /// "hookd's defaults", or what was given.
        var text: String {
            guard perApp != nil || perEndpoint != nil else { return "hookd's defaults" }
            return "--max-in-flight-per-app \(perApp.map(String.init) ?? "default"), "
                + "--max-in-flight-per-endpoint \(perEndpoint.map(String.init) ?? "default")"
        }
    }

    public struct Report: BenchReport {
        public struct Throughput: Sendable, Codable {
            public var requests: Int
            public var seconds: Double
            public var perSecond: Double

            /// `requests` made in `seconds`.
            static func of(_ requests: Int, in seconds: Double) -> Throughput {
                Throughput(requests: requests, seconds: seconds, perSecond: Double(requests) / max(seconds, 1e-9))
            }
        }

        /// The receiver's capacity from one AsyncHTTPClient at the same concurrency: no store, no signing.
        public var baseline: Throughput
        /// hookd draining a backlog of published events: durable, signed, logged.
        public var deliveries: Throughput
        /// `deliveries.perSecond / baseline.perSecond`.
        public var ratio: Double
        public var duplicates: Int
        /// How fast the backlog was published (closed loop), for information.
        public var publishedPerSecond: Double
        public var lag: PublishLag
        /// Deliveries checked under all three schemes, and how many failed.
        public var signaturesChecked: Int
        public var signaturesFailed: Int
        /// hookd's peak resident memory over the run, in MiB.
        public var peakMemoryMiB: Double
        /// The endpoints each event went to (1: the app's v3 URL); `deliveries` counts every endpoint's delivery.
        public var endpoints = 1
        /// The caps hookd ran with.
        public var caps = Caps()
        /// hookd's own CPU time per delivery while it drained the backlog, in milliseconds (from `/proc`).
        public var cpuMillisecondsPerDelivery: Double?
        /// With `compareRaisedCaps`: the same drain with the caps raised, and `deliveries.perSecond` against it.
        public var raised: Throughput?
        public var raisedCPUMillisecondsPerDelivery: Double?
        public var ratioToRaisedCaps: Double?
        /// With `compareSQLite`: the same drain on SQLite, and `deliveries.perSecond` against it.
        public var sqlite: Throughput?
        public var ratioToSQLite: Double?
        /// With `orderingKeys`: the keyed drain (`deliveries`) against the unordered one of the same run.
        public var ordering: Ordering?

        /// A keyed drain against an unordered one (SPEC §15).
        public struct Ordering: Sendable, Codable {
            public var keys: Int
            /// The same backlog to an endpoint that keeps no order.
            public var unordered: Throughput
            public var unorderedCPUMillisecondsPerDelivery: Double?
            /// The keyed drain's rate against `unordered`'s.
            public var ratioToUnordered: Double
            /// Events that first arrived after a later event of their key.
            public var outOfOrder: Int
        }

        private var deliveredWhat: String {
            endpoints == 1
                ? "\(deliveries.requests) events"
                : "\(deliveries.requests) deliveries: \(deliveries.requests / endpoints) events × \(endpoints) endpoints"
        }

        private var cpuText: String {
            cpuMillisecondsPerDelivery.map { "; hookd's CPU \(Format.rounded($0, places: 3)) ms a delivery" } ?? ""
        }

        private var raisedText: String {
            guard let raised, let ratioToRaisedCaps else { return "" }
            let cpu =
                raisedCPUMillisecondsPerDelivery.map { ", CPU \(Format.rounded($0, places: 3)) ms a delivery" } ?? ""
            return "\ncaps raised \(Format.rate(raised.perSecond)) (the same drain again, no cap binding\(cpu)); "
                + "with \(caps.text): \(Format.ratio(ratioToRaisedCaps)) of it"
        }

        private var orderingText: String {
            guard let ordering else { return "" }
            let cpu = ordering.unorderedCPUMillisecondsPerDelivery.map {
                ", CPU \(Format.rounded($0, places: 3)) ms a delivery"
            }
            let unordered = Format.rate(ordering.unordered.perSecond)
            return "\nunordered   \(unordered) (the same backlog, endpoint NONE\(cpu ?? "")); "
                + "keyed by \(ordering.keys) keys: \(Format.ratio(ordering.ratioToUnordered)) of it, "
                + "\(ordering.outOfOrder) out of order"
        }

        private var sqliteText: String {
            guard let sqlite, let ratioToSQLite else { return "" }
            return "\nSQLite      \(Format.rate(sqlite.perSecond)) (the same drain on SQLite, same caps); "
                + "this store: \(Format.ratio(ratioToSQLite)) of it"
        }

        /// The report as lines for a person.
        public var text: String {
            """
            baseline    \(Format.rate(baseline.perSecond)) (\(baseline.requests) requests from one AsyncHTTPClient, no store)
            deliveries  \(Format.rate(deliveries.perSecond)) (\(deliveredWhat), \(duplicates) duplicates, \(caps.text)\(cpuText))
            ratio       \(Format.ratio(ratio)) of the baseline\(raisedText)\(sqliteText)\(orderingText)
            lag         \(ordering == nil ? lag.text : "not measured in an ordering run")
            signatures  \(signaturesChecked) deliveries checked under \(endpoints == 1 && ordering == nil ? "all three schemes" : "both header schemes (v3.20)"), \(signaturesFailed) failed
            memory      hookd peak \(Format.rounded(peakMemoryMiB, places: 1)) MiB; publishing ran at \(Format.rate(publishedPerSecond))
            """
        }
    }

    /// The options every hookd of the run is started with, and `caps`.
    private func serveOptions(caps: Caps) -> [String] {
        ["--allow-http-targets", "--allow-private-targets", "--max-in-flight", String(inFlight)]
            + caps.serveOptions
    }

    public func run(_ given: HookdSetup, progress: BenchProgress) async throws -> Report {
        // What an operator gets: hookd's own caps unless the caller gives others (one app alone is capped like any
        // tenant); `compareRaisedCaps` measures what they cost it.
        var setup = given
        setup.serveOptions += serveOptions(caps: caps)
        let app = try await setup.createApp()
        if orderingKeys > 0 {
            return try await KeyedDrainRun(benchmark: self, setup: setup, progress: progress).run(app: app)
        }
        if endpoints > 0 {
            return try await EndpointFanOutRun(benchmark: self, setup: setup, progress: progress).run(app: app)
        }
        var report = try await run(setup: setup, app: app, measuringLag: true, progress: progress)
        // The same drain again on hookd started from `other`, for a second app, without the lag phase.
        func drainAgain(on other: HookdSetup) async throws -> Report {
            try await run(setup: other, app: try await other.createApp(), measuringLag: false, progress: progress)
        }
        if compareRaisedCaps {
            var raised = given
            raised.serveOptions += serveOptions(caps: .raised(inFlight: inFlight))
            progress.say("again with the caps raised: a second app, on hookd started again")
            let second = try await drainAgain(on: raised)
            report.raised = second.deliveries
            report.raisedCPUMillisecondsPerDelivery = second.cpuMillisecondsPerDelivery
            report.ratioToRaisedCaps = report.deliveries.perSecond / max(second.deliveries.perSecond, 1e-9)
        }
        if compareSQLite {
            let sqlite = HookdSetup(
                executable: given.executable,
                dataDirectory: given.dataDirectory + "/sqlite",
                databaseURL: nil,
                serveOptions: serveOptions(caps: caps)
            )
            progress.say("the same drain on SQLite")
            let other = try await drainAgain(on: sqlite)
            report.sqlite = other.deliveries
            report.ratioToSQLite = report.deliveries.perSecond / max(other.deliveries.perSecond, 1e-9)
        }
        report.caps = caps
        return report
    }

    /// One hookd on `setup`: the baseline, the drain of a backlog for `app`, and (when `measuringLag`) the lag.
    private func run(
        setup: HookdSetup,
        app: BenchApp,
        measuringLag: Bool,
        progress: BenchProgress
    ) async throws -> Report {
        try await withReceiverAndClient { receiver, client in
            let hookd = try await HookdUnderTest.start(setup)
            return try await runThenCleanUp {
                try await measure(
                    hookd: hookd,
                    app: app,
                    receiver: receiver,
                    client: client,
                    measuringLag: measuringLag,
                    progress: progress
                )
            } cleanUp: {
                await hookd.stop()
            }
        }
    }

    /// Runs `body` with a receiver that checks every `verifyEvery`-th delivery and a load generator sized for
    /// `inFlight` and `publishConcurrency`; both are stopped afterwards, whatever happened.
    func withReceiverAndClient<Value>(
        _ body: (BenchReceiver, LoadGenerator) async throws -> Value
    ) async throws -> Value {
        let receiver = try await BenchReceiver(sampleEvery: verifyEvery)
        let client = LoadGenerator(connections: max(inFlight, publishConcurrency))
        return try await runThenCleanUp {
            try await body(receiver, client)
        } cleanUp: {
            await receiver.stop()
            await client.shutdown()
        }
    }

    private func measure(
        hookd: HookdUnderTest,
        app: BenchApp,
        receiver: BenchReceiver,
        client: LoadGenerator,
        measuringLag: Bool,
        progress: BenchProgress
    ) async throws -> Report {
        let session = try await BenchSession.open(hookd, app: app, client: client)
        guard let secret = try await session.holdDeliveries(afterSetting: receiver.url, client: client) else {
            throw BenchError("the app already had a webhook secret; use an empty data directory or database")
        }

        progress.say("baseline: \(events) requests to the receiver, \(inFlight) at a time")
        let baseline = try await baselineRun(receiver: receiver, client: client, progress: progress)
        receiver.reset()

        progress.say("publishing \(events) events while the URL is unset")
        let eventIDs = (0..<events).map { _ in EventData.eventID() }
        let published = Counter()
        let publishing = try await progress.reporting("\(published.current) published") {
            await client.run(
                count: events,
                concurrency: publishConcurrency,
                expecting: .accepted,
                progress: published
            ) { index in
                session.publishRequest(eventID: eventIDs[index], index: index)
            }
        }
        guard publishing.failed == 0 else {
            throw BenchError("\(publishing.failed) publishes failed: \(publishing.failures)")
        }

        progress.say("setting the URL: hookd delivers the backlog")
        let cpuBefore = ProcessCPU.read(pid: hookd.pid)
        let enabled = BenchClock.now()
        try await session.setWebhookURL(receiver.url, client: client)
        let drained = try await progress.reporting("\(receiver.count) delivered") {
            try await waitForArrivals(of: Set(eventIDs), at: receiver, seconds: 600)
        }
        let cpuAfter = ProcessCPU.read(pid: hookd.pid)
        let arrivals = receiver.arrivals
        let lastArrival = arrivals.map(\.nanoseconds).max() ?? enabled
        let deliverySeconds = BenchClock.seconds(from: enabled, to: lastArrival)
        let (checked, failed) = verifySamples(receiver.samples, secret: secret)
        guard drained else {
            throw BenchError("only \(Set(arrivals.map(\.eventID)).count) of \(events) events arrived")
        }
        let duplicates = arrivals.count - Set(arrivals.map(\.eventID)).count

        let lag =
            measuringLag
            ? try await measureLag(session: session, receiver: receiver, client: client, progress: progress)
            : PublishLag(perSecond: 0, events: 0, arrived: 0, lag: LatencySummary(nanoseconds: []))
        let memory = hookd.memory
        let delivered = Report.Throughput.of(events, in: deliverySeconds)
        var report = Report(
            baseline: baseline,
            deliveries: delivered,
            ratio: delivered.perSecond / max(baseline.perSecond, 1e-9),
            duplicates: duplicates,
            publishedPerSecond: publishing.rate,
            lag: lag,
            signaturesChecked: checked,
            signaturesFailed: failed,
            peakMemoryMiB: Double(memory?.peakResidentBytes ?? 0) / 1_048_576
        )
        if let cpuBefore, let cpuAfter {
            report.cpuMillisecondsPerDelivery = (cpuAfter.seconds - cpuBefore.seconds) * 1000 / Double(events)
        }
        return report
    }

    /// The publish→receipt lag of `session`'s app at `lagPace`, counted afresh at `receiver`.
    func measureLag(
        session: BenchSession,
        receiver: BenchReceiver,
        client: LoadGenerator,
        progress: BenchProgress
    ) async throws -> PublishLag {
        try await PublishLag.measure(lagPace, from: session, to: receiver, client: client, progress: progress)
    }

    /// The receiver's capacity for requests shaped like deliveries, from one AsyncHTTPClient.
    func baselineRun(
        receiver: BenchReceiver,
        client: LoadGenerator,
        progress: BenchProgress
    ) async throws -> Report.Throughput {
        let body = Array(
            (#"{"event":"card.created","eventId":"00000000-0000-4000-8000-000000000000","data":"#
                + EventData.card(index: 0) + #","timestamp":1795932000,"sign":"\#(String(repeating: "0", count: 64))"}"#)
                .utf8
        )
        let headers = [
            ("webhook-id", "00000000-0000-4000-8000-000000000000"), ("webhook-timestamp", "1795932000"),
            ("webhook-signature", "v1," + String(repeating: "A", count: 44)),
            ("x-fyatu-signature", "t=1795932000,v1=" + String(repeating: "0", count: 64)),
            ("x-fyatu-event", "card.created"), ("user-agent", "hookd-bench"),
        ]
        let done = Counter()
        let outcome = try await progress.reporting("\(done.current) sent") {
            await client.run(count: events, concurrency: inFlight, expecting: .ok, progress: done) {
                _ in .json(.POST, receiver.url, body: body, headers: headers)
            }
        }
        guard outcome.failed == 0 else {
            throw BenchError("\(outcome.failed) baseline requests failed: \(outcome.failures)")
        }
        return .init(requests: outcome.succeeded, seconds: outcome.seconds, perSecond: outcome.rate)
    }
}

/// Waits until every id of `expected` has arrived at `receiver`, and at least `count` requests in all (one per id
/// by default; more when every event goes to several endpoints); returns whether they did within `seconds`.
func waitForArrivals(
    of expected: Set<String>,
    at receiver: BenchReceiver,
    count: Int? = nil,
    seconds: Double
) async throws -> Bool {
    let deadline = BenchClock.now() + UInt64(seconds * 1e9)
    let count = count ?? expected.count
    while BenchClock.now() < deadline {
        if receiver.count >= count, Set(receiver.arrivals.map(\.eventID)).isSuperset(of: expected) {
            return true
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    return receiver.count >= count && Set(receiver.arrivals.map(\.eventID)).isSuperset(of: expected)
}

/// Checks kept deliveries under `schemes` (all three by default; a v3.20 body has no `sign`) with HookdVerify;
/// returns how many were checked and failed.
func verifySamples(
    _ samples: [BenchReceiver.Sample],
    secret: String,
    schemes: Set<SignatureScheme> = Set(SignatureScheme.allCases)
) -> (checked: Int, failed: Int) {
    guard let verifier = try? WebhookVerifier(secret: secret) else { return (samples.count, samples.count) }
    var failed = 0
    for sample in samples {
        let headers = Dictionary(
            sample.headers.map { ($0.name.lowercased(), $0.value) },
            uniquingKeysWith: { a, _ in a }
        )
        let verified = try? verifier.verify(
            body: sample.body,
            headers: headers,
            requiring: schemes
        )
        if verified?.schemes != schemes {
            failed += 1
        }
    }
    return (samples.count, failed)
}
