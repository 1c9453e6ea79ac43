import AsyncHTTPClient
import Foundation
import HookdVerify
import NIOHTTP1
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#endif

/// `hookd bench deliveries`: sustained deliveries per second against the receiver's own capacity, and the
/// publish→receipt lag at a steady publishing rate.
public struct DeliveriesBenchmark: Sendable {
    public struct Options: Sendable {
        /// Events in the throughput phase.
        public var events = 20_000
        /// hookd's `--max-in-flight`, and the baseline's concurrency.
        public var inFlight = 64
        /// Publishes in flight while the backlog is built.
        public var publishConcurrency = 32
        /// Events per second in the lag phase, and for how long.
        public var lagRate = 500.0
        public var lagSeconds = 10.0
        /// Every n-th delivery is checked under all three signature schemes.
        public var verifyEvery = 100
        /// 0: the app's v3 URL. More: that many v3.20 endpoints, each subscribed to the event published, so every
        /// event fans out to each and deliveries are counted per endpoint delivery.
        public var endpoints = 0

        public init() {}
    }

    public struct Report: BenchReport {
        public struct Throughput: Sendable, Codable {
            public var requests: Int
            public var seconds: Double
            public var perSecond: Double
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

        private var deliveredWhat: String {
            endpoints == 1
                ? "\(deliveries.requests) events"
                : "\(deliveries.requests) deliveries: \(deliveries.requests / endpoints) events × \(endpoints) endpoints"
        }

        /// The report as lines for a person.
        public var text: String {
            """
            baseline    \(Format.rate(baseline.perSecond)) (\(baseline.requests) requests from one AsyncHTTPClient, no store)
            deliveries  \(Format.rate(deliveries.perSecond)) (\(deliveredWhat), \(duplicates) duplicates)
            ratio       \(Format.ratio(ratio)) of the baseline
            lag         \(lag.text)
            signatures  \(signaturesChecked) deliveries checked under \(endpoints == 1 ? "all three schemes" : "both header schemes (v3.20)"), \(signaturesFailed) failed
            memory      hookd peak \(Format.rounded(peakMemoryMiB, places: 1)) MiB; publishing ran at \(Format.rate(publishedPerSecond))
            """
        }
    }

    public var options: Options
    public var setup: HookdSetup
    public var progress: BenchProgress

    public init(options: Options, setup: HookdSetup, progress: BenchProgress) {
        self.options = options
        self.setup = setup
        self.progress = progress
    }

    public func run() async throws -> Report {
        var setup = setup
        // One app: no limit of its own below the dispatcher's (whose leases include attempts sent and not yet
        // recorded, up to twice --max-in-flight), so this measures hookd, not the fair share.
        setup.serveOptions += [
            "--allow-http-targets", "--allow-private-targets", "--max-in-flight", String(options.inFlight),
            "--max-in-flight-per-app", String(2 * options.inFlight),
        ]
        let app = try await setup.createApp()
        if options.endpoints > 0 {
            return try await EndpointFanOutRun(options: options, setup: setup, progress: progress).run(app: app)
        }
        let hookd = try await HookdUnderTest.start(setup)
        let receiver: BenchReceiver
        do {
            receiver = try await BenchReceiver(sampleEvery: options.verifyEvery)
        } catch {
            await hookd.stop()
            throw error
        }
        let client = LoadGenerator(connections: max(options.inFlight, options.publishConcurrency))
        do {
            let report = try await measure(hookd: hookd, app: app, receiver: receiver, client: client)
            await hookd.stop()
            await receiver.stop()
            await client.shutdown()
            return report
        } catch {
            await hookd.stop()
            await receiver.stop()
            await client.shutdown()
            throw error
        }
    }

    private func measure(
        hookd: HookdUnderTest,
        app: (appID: String, secretKey: String, operatorKey: String),
        receiver: BenchReceiver,
        client: LoadGenerator
    ) async throws -> Report {
        let session = try await BenchSession.open(hookd, app: app, client: client)
        guard let secret = try await session.setWebhookURL(receiver.url, client: client) else {
            throw BenchError("the app already had a webhook secret; use an empty data directory or database")
        }
        try await session.setWebhookURL(nil, client: client)

        progress.say("baseline: \(options.events) requests to the receiver, \(options.inFlight) at a time")
        let baseline = try await baselineRun(receiver: receiver, client: client)
        receiver.reset()

        progress.say("publishing \(options.events) events while the URL is unset")
        let eventIDs = (0..<options.events).map { _ in EventData.eventID() }
        let published = Counter()
        let publishing = try await progress.reporting("\(published.current) published") {
            await client.run(
                count: options.events,
                concurrency: options.publishConcurrency,
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
        let enabled = BenchClock.now()
        try await session.setWebhookURL(receiver.url, client: client)
        let drained = try await progress.reporting("\(receiver.count) delivered") {
            try await waitForArrivals(of: Set(eventIDs), at: receiver, seconds: 600)
        }
        let arrivals = receiver.arrivals
        let lastArrival = arrivals.map(\.nanoseconds).max() ?? enabled
        let deliverySeconds = BenchClock.seconds(from: enabled, to: lastArrival)
        let (checked, failed) = verifySamples(receiver.samples, secret: secret)
        guard drained else {
            throw BenchError("only \(Set(arrivals.map(\.eventID)).count) of \(options.events) events arrived")
        }
        let duplicates = arrivals.count - Set(arrivals.map(\.eventID)).count

        receiver.reset()
        let lag = try await PublishLag.measure(
            session: session,
            receiver: receiver,
            client: client,
            rate: options.lagRate,
            seconds: options.lagSeconds,
            progress: progress
        )
        let memory = hookd.memory
        return Report(
            baseline: baseline,
            deliveries: .init(
                requests: options.events,
                seconds: deliverySeconds,
                perSecond: Double(options.events) / max(deliverySeconds, 1e-9)
            ),
            ratio: Double(options.events) / max(deliverySeconds, 1e-9) / max(baseline.perSecond, 1e-9),
            duplicates: duplicates,
            publishedPerSecond: publishing.rate,
            lag: lag,
            signaturesChecked: checked,
            signaturesFailed: failed,
            peakMemoryMiB: Double(memory?.peakResidentBytes ?? 0) / 1_048_576
        )
    }

    /// The receiver's capacity for requests shaped like deliveries, from one AsyncHTTPClient.
    func baselineRun(receiver: BenchReceiver, client: LoadGenerator) async throws -> Report.Throughput {
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
            await client.run(count: options.events, concurrency: options.inFlight, expecting: .ok, progress: done) {
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
