import AsyncHTTPClient
import Foundation
import HookdCore
import NIOHTTP1
import Synchronization

/// One closed-loop measurement of a route: requests per second and latency.
public struct RouteFigures: Sendable, Codable {
    public var route: String
    public var requests: Int
    public var perSecond: Double
    public var latency: LatencySummary
    /// `perSecond` over the same run's `GET /health`.
    public var ratioToHealth: Double

    var line: String {
        "\(route.padding(toLength: 36, withPad: " ", startingAt: 0)) \(Format.rate(perSecond).padding(toLength: 9, withPad: " ", startingAt: 0)) "
            + "\(latency.text) · \(Format.ratio(ratioToHealth)) of /health"
    }
}

/// `hookd bench ingest` and `hookd bench api`: routes driven as hard as `concurrency` clients can, each against
/// the same server's `GET /health` measured in the same run.
public struct RequestRateBenchmark: Benchmark {
    public enum Kind: String, Sendable {
        /// `POST /internal/events`, the platform's publishing path.
        case ingest
        /// `POST /webhooks/secret/regenerate` and `GET /webhooks`, the customers' API.
        case api
    }

    public struct Report: BenchReport {
        public var routes: [RouteFigures]

        public var text: String { routes.map(\.line).joined(separator: "\n") }
    }

    public var kind: Kind
    /// Requests measured per route, and how many are in flight.
    public var requests = 20_000
    public var concurrency = 64
    /// Requests sent before measuring, so connections and caches are warm.
    public var warmUp = 500

    public init(kind: Kind) {
        self.kind = kind
    }

    public var parameters: [String: Double] { ["requests": Double(requests), "concurrency": Double(concurrency)] }

    public func run(_ setup: HookdSetup, progress: BenchProgress) async throws -> Report {
        var setup = setup
        setup.serveOptions += ["--allow-http-targets", "--allow-private-targets"]
        if kind == .api {
            // The routes measured are limited per app: raised out of the way, each request still takes its unit.
            setup.serveOptions += ["--regenerations-per-minute", "100000000", "--reads-per-minute", "1000000000"]
        }
        let app = try await setup.createApp()
        let hookd = try await HookdUnderTest.start(setup)
        let client = LoadGenerator(connections: concurrency)
        return try await runThenCleanUp {
            let session = try await BenchSession.open(hookd, app: app, client: client)
            var routes: [(String, @Sendable (Int) -> HTTPClientRequest, HTTPResponseStatus)] = [
                ("GET /health", { _ in .json(.GET, hookd.base + "/health") }, .ok)
            ]
            switch kind {
            case .ingest:
                let eventIDs = (0..<(requests + warmUp)).map { _ in EventData.eventID() }
                routes.append(
                    (
                        "POST /internal/events",
                        { index in session.publishRequest(eventID: eventIDs[index], index: index) }, .accepted
                    )
                )
            case .api:
                // A URL that is never called: nothing is published in this benchmark.
                try await session.setWebhookURL("http://127.0.0.1:9/never-called", client: client)
                let token = session.token
                routes.append(
                    ("GET /webhooks", { _ in .json(.GET, hookd.base + "/api/v3/webhooks", bearer: token) }, .ok)
                )
                routes.append(
                    (
                        "POST /webhooks/secret/regenerate",
                        { _ in .json(.POST, hookd.base + "/api/v3/webhooks/secret/regenerate", bearer: token) }, .ok
                    )
                )
            }
            var figures: [RouteFigures] = []
            for (route, makeRequest, status) in routes {
                progress.say(
                    "\(route): \(warmUp) to warm up, then \(requests), \(concurrency) at a time"
                )
                _ = await client.run(count: warmUp, concurrency: concurrency, expecting: status) {
                    makeRequest($0)
                }
                let done = Counter()
                let outcome = try await progress.reporting("\(done.current) answered") {
                    await client.run(
                        count: requests,
                        concurrency: concurrency,
                        expecting: status,
                        progress: done
                    ) { makeRequest(warmUp + $0) }
                }
                guard outcome.failed == 0 else {
                    throw BenchError("\(route): \(outcome.failed) requests failed: \(outcome.failures)")
                }
                let health = figures.first?.perSecond ?? outcome.rate
                figures.append(
                    RouteFigures(
                        route: route,
                        requests: outcome.succeeded,
                        perSecond: outcome.rate,
                        latency: outcome.latencies,
                        ratioToHealth: outcome.rate / max(health, 1e-9)
                    )
                )
            }
            return Report(routes: figures)
        } cleanUp: {
            await hookd.stop()
            await client.shutdown()
        }
    }
}
