import Foundation
import HookdServerTestSupport
import Testing

/// `hookd bench`: each benchmark runs end to end on a small load and reports what it measured. The figures are
/// not checked (a test must not assert timings); their presence, the counts and the correctness checks are.
@Suite struct BenchCommandTests {
    static func report(_ arguments: [String]) async throws -> [String: Any] {
        let run = try await ChildProcess.run(["bench"] + arguments + ["--json", "--quiet"])
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        return try #require(object, "not JSON: \(run.stdout.prefix(500)) \(run.stderr.suffix(1000))")
    }

    @Test func deliveriesAreCountedVerifiedAndComparedWithTheBaseline() async throws {
        let report = try await Self.report([
            "deliveries", "--events", "300", "--lag-rate", "50", "--lag-seconds", "2",
        ])
        #expect(report["benchmark"] as? String == "deliveries")
        #expect(report["store"] as? String == "sqlite")
        let results = try #require(report["results"] as? [String: Any])
        let deliveries = try #require(results["deliveries"] as? [String: Any])
        #expect(deliveries["requests"] as? Int == 300)
        #expect((deliveries["perSecond"] as? Double ?? 0) > 0)
        #expect(((results["baseline"] as? [String: Any])?["perSecond"] as? Double ?? 0) > 0)
        #expect((results["ratio"] as? Double ?? 0) > 0)
        #expect(results["duplicates"] as? Int == 0)
        #expect(results["signaturesFailed"] as? Int == 0)
        #expect((results["signaturesChecked"] as? Int ?? 0) >= 3, "every 100th delivery is checked")
        let lag = try #require(results["lag"] as? [String: Any])
        #expect(lag["events"] as? Int == 100)
        #expect(lag["arrived"] as? Int == 100)
        #expect(((lag["lag"] as? [String: Any])?["p99"] as? Double ?? 0) > 0)
        #expect((results["cpuMillisecondsPerDelivery"] as? Double ?? 0) > 0, "hookd's CPU, from /proc")
        #expect(results["caps"] as? [String: Any] != nil, "the caps it ran with (hookd's defaults: none given)")
    }

    @Test func signingReportsEd25519BesideHMAC() async throws {
        let report = try await Self.report(["signing", "--iterations", "50", "--rounds", "1"])
        #expect(report["benchmark"] as? String == "signing")
        let results = try #require(report["results"] as? [String: Any])
        for figure in ["hmacNanoseconds", "ed25519Nanoseconds", "ed25519OverlapNanoseconds", "ratio"] {
            #expect((results[figure] as? Double ?? 0) > 0, "\(figure)")
        }
        #expect(results["bodyBytes"] as? Int == 512)
    }

    @Test func theDefaultCapsAreComparedWithTheCapsRaisedInTheSameRun() async throws {
        let report = try await Self.report([
            "deliveries", "--events", "300", "--lag-rate", "50", "--lag-seconds", "1", "--compare-raised-caps",
        ])
        let results = try #require(report["results"] as? [String: Any])
        #expect((results["raised"] as? [String: Any])?["requests"] as? Int == 300, "a second drain, caps raised")
        #expect((results["ratioToRaisedCaps"] as? Double ?? 0) > 0)
        #expect(results["duplicates"] as? Int == 0)
    }

    @Test func aGreedyAppsStallingEndpointsHoldNoMoreThanItsCap() async throws {
        let report = try await Self.report([
            "isolation", "--greedy-endpoints", "22", "--greedy-events", "5", "--rate", "50", "--seconds", "1",
        ])
        #expect(report["benchmark"] as? String == "isolation-greedy")
        let results = try #require(report["results"] as? [String: Any])
        for phase in ["alone", "besideGreedy"] {
            let lag = try #require(results[phase] as? [String: Any], "\(phase)")
            #expect(lag["arrived"] as? Int == 50, "every quiet event arrived: \(phase)")
        }
        #expect(results["greedyDeliveries"] as? Int == 110)
        #expect(results["greedyMostOpen"] as? Int == 32, "the greedy app held its cap of hookd's 64 slots, no more")
    }

    @Test func appsWithEqualBacklogsShareTheSlots() async throws {
        let report = try await Self.report(["fairness", "--apps", "3", "--events", "300"])
        let results = try #require(report["results"] as? [String: Any])
        let counts = try #require(results["deliveriesWhileAllBusy"] as? [Int])
        #expect(counts.count == 3)
        #expect(counts.allSatisfy { $0 > 0 }, "every app was served while all were busy: \(counts)")
        #expect((results["jainIndex"] as? Double ?? 0) > 1.0 / 3, "better than one app having everything")
    }

    @Test func aBacklogFannedOutToEndpointsCountsEveryEndpointsDelivery() async throws {
        let report = try await Self.report([
            "deliveries", "--events", "200", "--endpoints", "3", "--lag-rate", "50", "--lag-seconds", "1",
        ])
        let results = try #require(report["results"] as? [String: Any])
        #expect(results["endpoints"] as? Int == 3)
        #expect((results["deliveries"] as? [String: Any])?["requests"] as? Int == 600, "200 events × 3 endpoints")
        #expect(results["duplicates"] as? Int == 0)
        #expect(results["signaturesFailed"] as? Int == 0)
        #expect((results["signaturesChecked"] as? Int ?? 0) >= 6, "every 100th delivery is checked")
    }

    @Test(arguments: ["ingest", "api"])
    func routesAreMeasuredBesideHealth(benchmark: String) async throws {
        let report = try await Self.report([benchmark, "--requests", "200", "--concurrency", "8"])
        let routes = try #require((report["results"] as? [String: Any])?["routes"] as? [[String: Any]])
        let names = routes.compactMap { $0["route"] as? String }
        let expected =
            benchmark == "ingest"
            ? ["GET /health", "POST /internal/events"]
            : ["GET /health", "GET /webhooks", "POST /webhooks/secret/regenerate"]
        #expect(names == expected)
        for route in routes {
            #expect(route["requests"] as? Int == 200, "\(route)")
            #expect((route["ratioToHealth"] as? Double ?? 0) > 0, "\(route)")
        }
    }

    @Test func aBacklogIsSeededAndDrainedWithItsMemoryReported() async throws {
        let report = try await Self.report(["backlog", "--events", "2000"])
        let results = try #require(report["results"] as? [String: Any])
        #expect(results["events"] as? Int == 2000)
        #expect(results["duplicates"] as? Int == 0)
        #expect((results["peakMemoryMiB"] as? Double ?? 0) > 0)
        #expect((results["drainPerSecond"] as? Double ?? 0) > 0)
    }

    @Test func anAppsLagIsMeasuredAloneAndBesideANoisyNeighbour() async throws {
        let report = try await Self.report([
            "isolation", "--rate", "50", "--seconds", "1", "--backlog", "10000", "--slow-answer", "2",
        ])
        let results = try #require(report["results"] as? [String: Any])
        for phase in ["alone", "besideBacklog", "besideSlowReceiver"] {
            let lag = try #require(results[phase] as? [String: Any], "\(phase)")
            #expect(lag["events"] as? Int == 50, "\(phase)")
            #expect(lag["arrived"] as? Int == 50, "every quiet event arrived: \(phase)")
        }
        #expect((results["neighbourBacklogPerSecond"] as? Double ?? 0) > 0, "the neighbour was busy")
        #expect((results["neighbourSlowRequests"] as? Int ?? 0) > 0, "the slow receiver held attempts")
    }
}
