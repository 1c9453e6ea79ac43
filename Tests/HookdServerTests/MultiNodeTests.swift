import Foundation
import HookdServerTestSupport
import HookdTestSupport
import Testing

/// Several `hookd serve` processes on one PostgreSQL database (docs/SCALING.md): API nodes and workers sharing the
/// queue, a worker killed mid-run, PostgreSQL restarted under load, and throughput with one worker and with two.
///
/// Every process is a real `hookd` child with its own data directory, all with the same `HOOKD_MASTER_KEY`, on a
/// schema of the test database made for the test (`options=-c search_path=…` in the URL) and dropped after it.
@Suite(.serialized) struct MultiNodeTests {
    /// A shell command that restarts the test database's server (CI exports one), for the restart test.
    /// A server of its own for the restart test (`.ci/run` starts a second one), and the command that restarts it.
    static var restartableURL: String? { ProcessInfo.processInfo.environment["HOOKD_TEST_RESTARTABLE_POSTGRES_URL"] }
    static var restartCommand: String? { ProcessInfo.processInfo.environment["HOOKD_TEST_POSTGRES_RESTART"] }

    /// Publishes in flight at once.
    static let publishConcurrency = 16
    /// `--max-in-flight` of every worker (hookd's default); a worker killed mid-run can repeat at most these.
    static let maximumInFlight = 64

    // MARK: - The tests

    @Test(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set (CI sets it)"))
    func twoWorkersAndAnAPINodeDeliverEveryEvent() async throws {
        let started = ContinuousClock.now
        let eventCount = 10_000
        try await Cluster.with { cluster in
            let api = try await cluster.startNode(role: "api")
            // Debug logging makes each worker write one `delivered` line per successful attempt: the only per-node
            // record of who delivered what (the delivery log has no node column, /metrics counts HTTP requests only).
            let workers = [
                try await cluster.startNode(role: "worker", options: ["--log-level", "debug"]),
                try await cluster.startNode(role: "worker", options: ["--log-level", "debug"]),
            ]
            let token = try await LiveHTTP.token(
                base: api.base,
                appID: cluster.appID,
                secretKey: cluster.secretKey
            )
            let secret = try await cluster.enableDelivery(base: api.base, token: token)

            let eventIDs = (0..<eventCount).map { _ in UUID().uuidString.lowercased() }
            let publishing = ContinuousClock.now
            let published = await Self.publish(Array(0..<eventCount), eventIDs: eventIDs, base: api.base, on: cluster)
            #expect(published.accepted.count == eventCount, "\(published.failures.prefix(3))")
            #expect(published.failures.isEmpty, "publishes failed: \(published.failures.prefix(3))")
            let publishTime = Self.seconds(since: publishing)

            let expected = Set(published.accepted.map { eventIDs[$0] })
            let seen = await Self.waitForArrival(of: expected, at: cluster.receiver, seconds: 150)
            let arrivalTime = Self.seconds(since: publishing)
            print("multi-node: published in \(publishTime), all arrived \(arrivalTime) after the first publish")
            await Self.expectNoneLost(expected.subtracting(seen), on: cluster, token: token, nodes: [api] + workers)
            let requests = cluster.receiver.received
            let distinct = Set(requests.compactMap { $0.header("webhook-id") }).count
            print(
                "multi-node: \(eventCount) published, \(distinct) delivered, \(requests.count - distinct) duplicates"
            )
            #expect(Set(requests.compactMap { $0.header("webhook-id") }).isSubset(of: Set(eventIDs)))

            // Who delivered: both workers took a share of the queue.
            let shares = workers.map { Self.deliveriesLogged(by: $0.process) }
            print("multi-node: worker deliveries \(shares.map(String.init).joined(separator: " + "))")
            #expect(shares.allSatisfy { $0 > 0 }, "each worker delivers some of the events: \(shares)")
            #expect(shares.reduce(0, +) >= distinct, "every arrival was logged by a worker: \(shares)")

            // The delivery log, read through the API node, agrees once the last attempts are recorded.
            let log = await Self.waitForLog(succeeded: expected.count, base: api.base, token: token, seconds: 30)
            #expect(log.succeeded == expected.count, "SUCCEEDED in the log")
            #expect(log.pending == 0, "PENDING in the log")

            // A sample verifies under the three schemes with the one secret every node opened with the shared key.
            let sample = requests.enumerated().filter { $0.offset % 100 == 0 }.map(\.element)
            let problems = try SpecSignatures.problems(inNumberedCardEvents: sample, secret: secret, eventIDs: eventIDs)
            #expect(problems.isEmpty, "\(problems.count) problems in \(sample.count) deliveries: \(problems.prefix(3))")

            for node in [api] + workers {
                #expect(try await node.process.stop(seconds: 30) == 0, "SIGTERM stops the \(node.role) node cleanly")
            }
        }
        print("multi-node: took \(Self.seconds(since: started))")
    }

    @Test(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set (CI sets it)"))
    func aWorkerKilledMidRunLeavesItsWorkToTheOther() async throws {
        let started = ContinuousClock.now
        let eventCount = 2_000
        let killAfterDeliveries = 400
        // The worker is killed only once it has itself completed this many (it may start a little after the other).
        let killAfterOwnDeliveries = 50
        // Short leases, so that what the dead worker had claimed comes back in seconds (2 + 2 × 2 s after the claim).
        let leaseOptions = ["--lease-duration", "2", "--delivery-timeout", "2"]
        // The receiver takes a moment to answer, so that attempts are in flight when the worker dies.
        try await Cluster.with(reply: .delayed(.milliseconds(20), .status(200))) { cluster in
            let api = try await cluster.startNode(role: "api", options: leaseOptions)
            let doomed = try await cluster.startNode(role: "worker", options: leaseOptions + ["--log-level", "debug"])
            let survivor = try await cluster.startNode(
                role: "worker",
                options: leaseOptions + ["--log-level", "debug"]
            )
            let token = try await LiveHTTP.token(
                base: api.base,
                appID: cluster.appID,
                secretKey: cluster.secretKey
            )
            _ = try await cluster.enableDelivery(base: api.base, token: token)

            // A backlog held while the URL is unset, then released to both workers at once.
            _ = try await LiveHTTP.setWebhookURL(nil, base: api.base, token: token)
            let eventIDs = (0..<eventCount).map { _ in UUID().uuidString.lowercased() }
            let published = await Self.publish(Array(0..<eventCount), eventIDs: eventIDs, base: api.base, on: cluster)
            #expect(published.accepted.count == eventCount, "\(published.failures.prefix(3))")
            #expect(cluster.receiver.received.isEmpty, "nothing is sent while the URL is unset")
            _ = try await LiveHTTP.setWebhookURL(cluster.receiverURL, base: api.base, token: token)

            // Kill one worker with SIGKILL mid-run: its attempts in flight and the rest of its claim are left behind.
            let deadline = Date().addingTimeInterval(60)
            var reached = false
            while !reached, Date() < deadline {
                reached =
                    cluster.receiver.received.count >= killAfterDeliveries
                    && Self.deliveriesLogged(by: doomed.process) >= killAfterOwnDeliveries
                if !reached { try await Task.sleep(for: .milliseconds(10)) }
            }
            kill(doomed.process.identifier, SIGKILL)
            let killedAt = Date()
            let atKill = cluster.receiver.received.count
            #expect(reached, "only \(atKill) deliveries arrived before the worker was killed, or none of its own")
            #expect(try await doomed.process.waitForExit(seconds: 30) == SIGKILL, "the worker ends by the signal")
            #expect(atKill < eventCount, "the worker died with work left to do")

            let expected = Set(published.accepted.map { eventIDs[$0] })
            let seen = await Self.waitForArrival(of: expected, at: cluster.receiver, seconds: 90)
            let lost = expected.subtracting(seen)
            #expect(lost.isEmpty, "\(lost.count) accepted events never arrived, e.g. \(Array(lost.prefix(3)))")
            if !lost.isEmpty {
                await Self.explainLoss(lost, on: cluster, base: api.base, token: token, nodes: [api, survivor])
            }

            let requests = cluster.receiver.received
            let byEvent = Dictionary(grouping: requests, by: { $0.header("webhook-id") ?? "" })
            let duplicates = requests.count - byEvent.count
            let lastArrival = requests.map(\.at).max() ?? killedAt
            // Read after the arrivals, so that its last lines have been drained from the pipe.
            let doomedShare = Self.deliveriesLogged(by: doomed.process)
            // Repeats are the dead worker's attempts that reached the receiver but were never recorded: each came
            // back only when its lease ran out.
            let resendDelays = byEvent.values.filter { $0.count > 1 }.map { arrivals in
                arrivals.map(\.at).max()!.timeIntervalSince(arrivals.map(\.at).min()!)
            }
            print(
                "multi-node kill: \(eventCount) published, \(byEvent.count) delivered, \(duplicates) duplicates; "
                    + "worker killed after \(atKill) arrivals (\(doomedShare) logged by it); last arrival "
                    + String(format: "%.1f s after the kill", lastArrival.timeIntervalSince(killedAt))
                    + (resendDelays.isEmpty
                        ? ""
                        : String(
                            format: "; repeats re-sent %.1f–%.1f s after the first try",
                            resendDelays.min()!,
                            resendDelays.max()!
                        ))
            )
            // The dispatcher's promise (docs/SCALING.md): it keeps at most twice --max-in-flight attempts claimed and
            // not yet recorded (those sending, and as many whose records are being written), so a crash repeats at
            // most that many.
            #expect(
                duplicates <= 2 * Self.maximumInFlight,
                "only the killed worker's attempts sent and not yet recorded are repeated (\(duplicates))"
            )
            #expect(survivor.process.isRunning, "the other worker carries on")
            print(
                "multi-node kill: the surviving worker logged \(Self.deliveriesLogged(by: survivor.process)) deliveries"
            )

            let log = await Self.waitForLog(succeeded: expected.count, base: api.base, token: token, seconds: 30)
            #expect(log.succeeded == expected.count, "SUCCEEDED in the log")
            #expect(log.pending == 0, "PENDING in the log")
        }
        print("multi-node kill: took \(Self.seconds(since: started))")
    }

    @Test(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set (CI sets it)"))
    func throughputWithOneWorkerAndWithTwo() async throws {
        let started = ContinuousClock.now
        let eventCount = 2_000
        try await Cluster.with { cluster in
            let api = try await cluster.startNode(role: "api")
            _ = try await cluster.startNode(role: "worker")
            let token = try await LiveHTTP.token(
                base: api.base,
                appID: cluster.appID,
                secretKey: cluster.secretKey
            )
            _ = try await cluster.enableDelivery(base: api.base, token: token)
            let eventIDs = (0..<(2 * eventCount)).map { _ in UUID().uuidString.lowercased() }

            let one = try await Self.measure(
                Array(0..<eventCount),
                eventIDs: eventIDs,
                base: api.base,
                token: token,
                on: cluster
            )
            _ = try await cluster.startNode(role: "worker")
            let two = try await Self.measure(
                Array(eventCount..<(2 * eventCount)),
                eventIDs: eventIDs,
                base: api.base,
                token: token,
                on: cluster
            )
            print(
                String(
                    format: "scaling: 1 worker %.0f/s, 2 workers %.0f/s, ratio %.2f",
                    one.perSecond,
                    two.perSecond,
                    two.perSecond / one.perSecond
                )
            )
            print(
                String(
                    format: "scaling: %d events each; first arrival %.2f s / %.2f s after enabling, "
                        + "last %.2f s / %.2f s; backlog published at %.0f/s / %.0f/s",
                    eventCount,
                    one.firstArrival,
                    two.firstArrival,
                    one.lastArrival,
                    two.lastArrival,
                    one.publishedPerSecond,
                    two.publishedPerSecond
                )
            )
        }
        print("scaling: took \(Self.seconds(since: started))")
    }
}
