import Foundation
import HookdServerTestSupport
import HookdTestSupport
import Testing

/// PostgreSQL restarted under load: no accepted event is lost.
extension MultiNodeTests {
    /// Restarts the whole PostgreSQL server with `HOOKD_TEST_POSTGRES_RESTART`: other suites using that server at the
    /// same moment see their connections dropped, so run this suite on its own (`swift test --filter MultiNodeTests`).
    @Test(
        .enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set (CI sets it)"),
        .enabled(
            if: MultiNodeTests.restartCommand != nil && MultiNodeTests.restartableURL != nil,
            "HOOKD_TEST_RESTARTABLE_POSTGRES_URL and HOOKD_TEST_POSTGRES_RESTART are not set (CI sets them)"
        )
    )
    func postgresRestartedWhileEventsFlowLosesNothing() async throws {
        // Restarting the shared test server would fail the PostgreSQL tests running beside this one.
        let restartableURL: String = try #require(Self.restartableURL)
        try await PostgresTestDatabase.$urlOverride.withValue(restartableURL) {
            try await restartWhileEventsFlow(restartCommand: try #require(Self.restartCommand))
        }
    }

    private func restartWhileEventsFlow(restartCommand: String) async throws {
        let started = ContinuousClock.now
        // Events published before the restart, while it runs, and after it.
        let before = 0..<400
        let during = 400..<1_600
        let after = 1_600..<2_000
        // A lease that runs out in seconds, in case a worker could not record an attempt across the restart.
        let leaseOptions = ["--lease-duration", "5", "--delivery-timeout", "5"]
        try await Cluster.with { cluster in
            let api = try await cluster.startNode(role: "api", options: leaseOptions)
            let workers = [
                try await cluster.startNode(role: "worker", options: leaseOptions),
                try await cluster.startNode(role: "worker", options: leaseOptions),
            ]
            let token = try await LiveHTTP.token(
                base: api.base,
                appID: cluster.appID,
                secretKey: cluster.secretKey
            )
            _ = try await cluster.enableDelivery(base: api.base, token: token)
            let eventIDs = (0..<after.upperBound).map { _ in UUID().uuidString.lowercased() }

            let first = await Self.publish(Array(before), eventIDs: eventIDs, base: api.base, on: cluster)
            #expect(first.accepted.count == before.count, "\(first.failures.prefix(3))")

            // The restart runs while the next batch is published; a publish that fails is tried again.
            let startedBefore = try await Self.postmasterStartTime()
            let arrivedBefore = cluster.receiver.received.count
            let restartStarted = Date()
            let restart = Task {
                let result = await Self.runShell(restartCommand, seconds: 120)
                return (result.status, result.output, Date().timeIntervalSince(restartStarted))
            }
            let second = await Self.publish(Array(during), eventIDs: eventIDs, base: api.base, on: cluster)
            let (restartStatus, restartOutput, restartSeconds) = await restart.value
            #expect(restartStatus == 0, "the restart command failed: \(restartOutput)")
            let startedAfter = try await Self.postmasterStartTime()
            #expect(
                startedAfter != startedBefore,
                "the server restarted (it started at \(startedBefore), now \(startedAfter))"
            )

            let third = await Self.publish(Array(after), eventIDs: eventIDs, base: api.base, on: cluster)
            let reports = [first, second, third]
            let accepted = reports.reduce(into: Set<Int>()) { $0.formUnion($1.accepted) }
            let failures = reports.flatMap(\.failures)
            #expect(accepted.count == after.upperBound, "publishes never accepted: \(failures.suffix(3))")
            // While the database is away, a publish is answered promptly with 503 and `Retry-After`: never a 500,
            // and never left without an answer.
            let unexpected = failures.filter { $0 != "HTTP 503 SERVICE_UNAVAILABLE" }
            #expect(unexpected.isEmpty, "publishes failed otherwise than with 503: \(unexpected.prefix(5))")

            let expected = Set(accepted.map { eventIDs[$0] })
            let seen = await Self.waitForArrival(of: expected, at: cluster.receiver, seconds: 120)
            await Self.expectNoneLost(expected.subtracting(seen), on: cluster, token: token, nodes: [api] + workers)
            let requests = cluster.receiver.received
            let distinct = Set(requests.compactMap { $0.header("webhook-id") }).count
            print(
                "multi-node restart: \(accepted.count) published, \(distinct) delivered, "
                    + "\(requests.count - distinct) duplicates; \(failures.count) publish tries failed and were "
                    + "retried; the restart command took " + String(format: "%.1f s", restartSeconds)
                    + " and began after \(arrivedBefore) arrivals"
            )
            if !failures.isEmpty {
                // What the API node said about the publishes it answered with an error.
                let lines = api.process.standardError.split(separator: "\n").filter { $0.contains("request failed") }
                let unavailable = lines.filter { $0.contains("the database is unavailable") }.count
                print(
                    "multi-node restart: publish failures \(Array(Set(failures)).sorted()); the API node logged "
                        + "\(lines.count) failed requests, \(unavailable) of them for the database being unavailable"
                )
            }

            // Every node is still up and reaches the database again by itself.
            for node in [api] + workers {
                #expect(
                    node.process.isRunning,
                    "the \(node.role) node survived: \(Self.crashReport(in: node.process.standardError))"
                )
                #expect(await Self.isHealthy(node.base, seconds: 30), "the \(node.role) node reconnected")
            }
            for (number, worker) in workers.enumerated() {
                let log = worker.process.standardError
                print(
                    "multi-node restart: worker \(number + 1) logged "
                        + "\(Self.occurrences(of: "claiming deliveries failed", in: log)) failed claims, "
                        + "\(Self.occurrences(of: "recording an attempt failed", in: log)) failed recordings, "
                        + "\(Self.occurrences(of: "notification channel dropped", in: log)) listener reconnections"
                )
            }

            let log = await Self.waitForLog(succeeded: expected.count, base: api.base, token: token, seconds: 60)
            #expect(log.succeeded == expected.count, "SUCCEEDED in the log")
            #expect(log.pending == 0, "PENDING in the log")

            // No request is left hanging by the restart, so every node stops on SIGTERM.
            for node in [api] + workers {
                let stopping = ContinuousClock.now
                let status = try await node.process.stop(seconds: 10)
                #expect(
                    status == 0,
                    "the \(node.role) node stops on SIGTERM within 10 s (status \(String(describing: status)))"
                )
                print(
                    "multi-node restart: the \(node.role) node stopped on SIGTERM in \(Self.seconds(since: stopping))"
                )
            }
        }
        print("multi-node restart: took \(Self.seconds(since: started))")
    }

}
