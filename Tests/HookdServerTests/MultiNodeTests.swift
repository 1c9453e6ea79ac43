import AsyncHTTPClient
import Foundation
import HookdCore
import HookdTestSupport
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PostgresNIO
import Synchronization
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
            let token = try await CrashRecoveryTests.token(
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
            let lost = expected.subtracting(seen)
            #expect(lost.isEmpty, "\(lost.count) accepted events never arrived, e.g. \(Array(lost.prefix(3)))")
            if !lost.isEmpty {
                await Self.explainLoss(lost, on: cluster, base: api.base, token: token, nodes: [api] + workers)
            }

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
            let token = try await CrashRecoveryTests.token(
                base: api.base,
                appID: cluster.appID,
                secretKey: cluster.secretKey
            )
            _ = try await cluster.enableDelivery(base: api.base, token: token)

            // A backlog held while the URL is unset, then released to both workers at once.
            _ = try await CrashRecoveryTests.setWebhookURL(nil, base: api.base, token: token)
            let eventIDs = (0..<eventCount).map { _ in UUID().uuidString.lowercased() }
            let published = await Self.publish(Array(0..<eventCount), eventIDs: eventIDs, base: api.base, on: cluster)
            #expect(published.accepted.count == eventCount, "\(published.failures.prefix(3))")
            #expect(cluster.receiver.received.isEmpty, "nothing is sent while the URL is unset")
            _ = try await CrashRecoveryTests.setWebhookURL(cluster.receiverURL, base: api.base, token: token)

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
            let token = try await CrashRecoveryTests.token(
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
            let lost = expected.subtracting(seen)
            #expect(lost.isEmpty, "\(lost.count) accepted events never arrived, e.g. \(Array(lost.prefix(3)))")
            if !lost.isEmpty {
                await Self.explainLoss(lost, on: cluster, base: api.base, token: token, nodes: [api] + workers)
            }

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

    @Test(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set (CI sets it)"))
    func throughputWithOneWorkerAndWithTwo() async throws {
        let started = ContinuousClock.now
        let eventCount = 2_000
        try await Cluster.with { cluster in
            let api = try await cluster.startNode(role: "api")
            _ = try await cluster.startNode(role: "worker")
            let token = try await CrashRecoveryTests.token(
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

    // MARK: - A cluster of hookd processes on one schema

    /// One `hookd serve` child of a ``Cluster``.
    struct Node: Sendable {
        let role: String
        let process: ChildProcess
        let base: String
    }

    /// A schema, an app, a receiver and the hookd processes started on them; ``with(reply:_:)`` tears it down.
    final class Cluster: Sendable {
        let schema: PostgresTestDatabase.Schema
        let databaseURL: String
        let masterKey: String
        let root: URL
        let receiver: TestReceiver
        let running: TestReceiver.Running
        let appID: String
        let secretKey: String
        let operatorKey: String
        private let nodes = Mutex<[ChildProcess]>([])

        private init(
            schema: PostgresTestDatabase.Schema,
            databaseURL: String,
            masterKey: String,
            root: URL,
            receiver: TestReceiver,
            running: TestReceiver.Running,
            app: (id: String, secretKey: String, operatorKey: String)
        ) {
            self.schema = schema
            self.databaseURL = databaseURL
            self.masterKey = masterKey
            self.root = root
            self.receiver = receiver
            self.running = running
            self.appID = app.id
            self.secretKey = app.secretKey
            self.operatorKey = app.operatorKey
        }

        var receiverURL: String { running.url }
        var environment: [String: String] { ["HOOKD_MASTER_KEY": masterKey] }

        /// Runs `body` on a new cluster and tears it down afterwards, whether `body` succeeds or throws.
        static func with(
            reply: TestReceiver.Reply = .status(200),
            _ body: (Cluster) async throws -> Void
        ) async throws {
            let schema = try await PostgresTestDatabase.Schema.create()
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("hookd-multinode-\(UUID())")
            let receiver = TestReceiver(fallback: reply)
            var running: TestReceiver.Running?
            do {
                running = try await receiver.start()
                let base = try #require(PostgresTestDatabase.url)
                // A small pool per node: the tests running beside these share the server's connection slots.
                let databaseURL =
                    base + (base.contains("?") ? "&" : "?") + "options=-c%20search_path%3D\(schema.name)&pool_size=8"
                let masterKey = MasterKey.generate().encoded
                let environment = ["HOOKD_MASTER_KEY": masterKey]
                let setup = root.appendingPathComponent("setup").path
                let created = try await ChildProcess.run(
                    [
                        "apps", "create", "--name", "Multi-node", "--json", "--database", databaseURL, "--data-dir",
                        setup,
                    ],
                    environment: environment
                )
                #expect(created.status == 0, "\(created.stderr)")
                let app = try #require(
                    try? JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: String],
                    "\(created.stdout) \(created.stderr)"
                )
                let key = try await ChildProcess.run(
                    ["operator-key", "--database", databaseURL, "--data-dir", setup],
                    environment: environment
                )
                let operatorKey = key.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(operatorKey.hasPrefix("hok_"), "\(key.stderr)")
                let cluster = Cluster(
                    schema: schema,
                    databaseURL: databaseURL,
                    masterKey: masterKey,
                    root: root,
                    receiver: receiver,
                    running: try #require(running),
                    app: (try #require(app["appId"]), try #require(app["secretKey"]), operatorKey)
                )
                do {
                    try await body(cluster)
                } catch {
                    await cluster.stopNodes()
                    throw error
                }
                await cluster.stopNodes()
            } catch {
                await running?.stop()
                try? await schema.drop()
                try? FileManager.default.removeItem(at: root)
                throw error
            }
            await running?.stop()
            do {
                try await schema.drop()
            } catch {
                Issue.record("the test schema \(schema.name) could not be dropped: \(error)")
            }
            try? FileManager.default.removeItem(at: root)
        }

        /// Starts `hookd serve --role role` on the cluster's database, with a data directory of its own.
        func startNode(role: String, options: [String] = []) async throws -> Node {
            let number = nodes.withLock { $0.count + 1 }
            let directory = root.appendingPathComponent("node-\(number)-\(role)").path
            let process = try ChildProcess(
                [
                    "serve", "--database", databaseURL, "--role", role, "--port", "0", "--data-dir", directory,
                    "--allow-http-targets", "--allow-private-targets",
                    "--max-in-flight", String(MultiNodeTests.maximumInFlight),
                    // One app, several workers: each worker may use all its slots for it (the per-app limit is
                    // counted across workers, so the default 8 would be shared by all of them).
                    "--max-in-flight-per-app", String(4 * MultiNodeTests.maximumInFlight),
                ] + options,
                environment: environment
            )
            nodes.withLock { $0.append(process) }
            let port = try #require(
                try await process.waitForOutput(#/listening on http://127\.0\.0\.1:(\d+)/#, seconds: 60),
                "the \(role) node did not start: \(process.standardError)"
            )
            return Node(role: role, process: process, base: "http://127.0.0.1:\(port)")
        }

        /// Sets the receiver as the app's webhook URL and returns the signing secret handed out the first time.
        func enableDelivery(base: String, token: String) async throws -> String {
            let configured = try await CrashRecoveryTests.setWebhookURL(receiverURL, base: base, token: token)
            return try #require((configured["data"] as? [String: Any])?["webhookSecret"] as? String, "\(configured)")
        }

        /// SIGTERM to every node still running (SIGKILL after 10 s).
        func stopNodes() async {
            for process in nodes.withLock({ $0 }) {
                _ = try? await process.stop(seconds: 10)
            }
        }
    }

    // MARK: - Publishing, waiting, measuring

    /// What a batch of publishes came to.
    struct PublishReport: Sendable {
        /// The indices whose event got a 202.
        var accepted = Set<Int>()
        /// Why each failed try failed (a failed publish is tried again with the same eventId).
        var failures: [String] = []
    }

    /// Publishes the events at `indices` through `base`, `publishConcurrency` at a time.
    ///
    /// A publish that fails (an error status, or no answer within 30 s) is tried again with the same eventId every 250 ms for up
    /// to `patience` seconds: the publish is idempotent, so a try that was stored before its answer was lost does
    /// not make a second event.
    static func publish(
        _ indices: [Int],
        eventIDs: [String],
        base: String,
        on cluster: Cluster,
        patience: Double = 90
    ) async -> PublishReport {
        let appID = cluster.appID
        let operatorKey = cluster.operatorKey
        var report = PublishReport()
        await withTaskGroup(of: (Int, Bool, [String]).self) { group in
            var pending = indices[...]
            var inFlight = 0
            while true {
                while inFlight < publishConcurrency, let index = pending.popFirst() {
                    let eventID = eventIDs[index]
                    group.addTask {
                        let deadline = Date().addingTimeInterval(patience)
                        var failures: [String] = []
                        while true {
                            if let failure = await Self.publishOnce(
                                index: index,
                                eventID: eventID,
                                base: base,
                                appID: appID,
                                operatorKey: operatorKey
                            ) {
                                failures.append(failure)
                                if Date() > deadline { return (index, false, failures) }
                                try? await Task.sleep(for: .milliseconds(250))
                            } else {
                                return (index, true, failures)
                            }
                        }
                    }
                    inFlight += 1
                }
                guard let (index, accepted, failures) = await group.next() else { break }
                inFlight -= 1
                if accepted { report.accepted.insert(index) }
                report.failures += failures
            }
        }
        return report
    }

    /// One publish: `nil` on a 202 with the eventId, otherwise what went wrong.
    static func publishOnce(
        index: Int,
        eventID: String,
        base: String,
        appID: String,
        operatorKey: String
    ) async -> String? {
        let json = #"{"appId":"\#(appID)","event":"card.created","data":{"i":\#(index)},"eventId":"\#(eventID)"}"#
        let request = CrashRecoveryTests.request(base + "/api/v3/internal/events", json: json, bearer: operatorKey)
        do {
            let response = try await CrashRecoveryTests.send(request, timeout: 30)
            let data = response.body["data"] as? [String: Any]
            guard response.status == 202, data?["eventId"] as? String == eventID else {
                let error = response.body["error"] as? [String: Any]
                return "HTTP \(response.status) \(error?["code"] as? String ?? "\(response.body)")"
            }
            return nil
        } catch {
            return "no answer: \(error)"
        }
    }

    /// Waits until every event of `expected` has arrived at `receiver` (or `seconds` pass); returns the eventIds seen.
    static func waitForArrival(
        of expected: Set<String>,
        at receiver: TestReceiver,
        seconds: Double
    ) async -> Set<String> {
        let deadline = Date().addingTimeInterval(seconds)
        var seen = Set<String>()
        while true {
            let requests = receiver.received
            if requests.count >= expected.count || Date() > deadline {
                seen = Set(requests.compactMap { $0.header("webhook-id") })
                if seen.isSuperset(of: expected) || Date() > deadline { return seen }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Waits until the delivery log counts `succeeded` deliveries and none pending; returns the last counts read.
    static func waitForLog(
        succeeded expected: Int,
        base: String,
        token: String,
        seconds: Double
    ) async -> (succeeded: Int?, pending: Int?) {
        let deadline = Date().addingTimeInterval(seconds)
        var counts: (succeeded: Int?, pending: Int?) = (nil, nil)
        while Date() < deadline {
            counts.succeeded = try? await CrashRecoveryTests.deliveries("SUCCEEDED", base: base, token: token)
            counts.pending = try? await CrashRecoveryTests.deliveries("PENDING", base: base, token: token)
            if counts.succeeded == expected && counts.pending == 0 { break }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return counts
    }

    /// What one throughput run measured, in seconds from enabling the URL.
    struct Run {
        let perSecond: Double
        let firstArrival: Double
        let lastArrival: Double
        /// Publishes per second while the backlog was built (nothing delivered meanwhile).
        let publishedPerSecond: Double
    }

    /// Publishes `indices` while the URL is unset, sets it, and times the deliveries from then to the last arrival.
    static func measure(
        _ indices: [Int],
        eventIDs: [String],
        base: String,
        token: String,
        on cluster: Cluster
    ) async throws -> Run {
        _ = try await CrashRecoveryTests.setWebhookURL(nil, base: base, token: token)
        let publishing = ContinuousClock.now
        let backlog = await publish(Array(indices.dropLast()), eventIDs: eventIDs, base: base, on: cluster)
        let publishDuration = ContinuousClock.now - publishing
        let enabledAt = Date()
        _ = try await CrashRecoveryTests.setWebhookURL(cluster.receiverURL, base: base, token: token)
        // Setting the URL wakes no worker (they would find the backlog at their next idle poll, up to a second
        // later); the last event's publish does, through LISTEN/NOTIFY.
        let kick = await publish(Array(indices.suffix(1)), eventIDs: eventIDs, base: base, on: cluster)
        let accepted = backlog.accepted.union(kick.accepted)
        #expect(accepted.count == indices.count, "\((backlog.failures + kick.failures).prefix(3))")
        let expected = Set(accepted.map { eventIDs[$0] })
        let seen = await waitForArrival(of: expected, at: cluster.receiver, seconds: 120)
        #expect(seen.isSuperset(of: expected), "\(expected.subtracting(seen).count) events never arrived")
        let arrivals = cluster.receiver.received.filter { expected.contains($0.header("webhook-id") ?? "") }.map(\.at)
        let first = try #require(arrivals.min()).timeIntervalSince(enabledAt)
        let last = try #require(arrivals.max()).timeIntervalSince(enabledAt)
        return Run(
            perSecond: Double(expected.count) / last,
            firstArrival: first,
            lastArrival: last,
            publishedPerSecond: Double(indices.count - 1) / publishDuration.inSeconds
        )
    }

    // MARK: - Small helpers

    /// When the test database's server started, as PostgreSQL writes it: it changes with a restart.
    static func postmasterStartTime() async throws -> String {
        try await PostgresTestDatabase.withConnection { connection in
            let rows = try await connection.query(
                "SELECT pg_postmaster_start_time()::text",
                logger: PostgresTestDatabase.logger
            )
            for try await row in rows {
                return try row.decode(String.self)
            }
            return ""
        }
    }

    /// Successful attempts a worker started with `--log-level debug` has logged.
    static func deliveriesLogged(by process: ChildProcess) -> Int {
        occurrences(of: "[HookdDelivery] delivered", in: process.standardError)
    }

    /// Prints where accepted events that never arrived are: the delivery log counted by status, and the last lines
    /// each node wrote beside its debug ones.
    static func explainLoss(_ lost: Set<String>, on cluster: Cluster, base: String, token: String, nodes: [Node]) async
    {
        var counts: [String: Int] = [:]
        for status in ["", "PENDING", "SUCCEEDED", "FAILED", "CANCELLED"] {
            counts[status.isEmpty ? "all" : status] = try? await CrashRecoveryTests.deliveries(
                status,
                base: base,
                token: token
            )
        }
        print("multi-node: the delivery log holds \(counts)")
        // The rows behind them, and the queue rows that decide when they are claimed.
        let rows = try? await cluster.schema.withConnection { connection in
            var lines: [String] = []
            for query: PostgresQuery in [
                "SELECT row_to_json(d)::text FROM deliveries d WHERE event_id = ANY(\(Array(lost)))",
                """
                SELECT row_to_json(a)::text FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
                WHERE d.event_id = ANY(\(Array(lost)))
                """,
                "SELECT row_to_json(q)::text FROM delivery_queues q",
                "SELECT row_to_json(q)::text FROM app_queues q",
                "SELECT row_to_json(r)::text FROM lease_releases r",
                "SELECT now()::text",
            ] {
                for try await line in try await connection.query(query, logger: PostgresTestDatabase.logger)
                    .decode(String.self)
                {
                    lines.append(line)
                }
            }
            return lines
        }
        print("multi-node: rows:\n\((rows ?? ["unreadable"]).joined(separator: "\n"))")
        for node in nodes {
            let said = node.process.standardError.split(separator: "\n").filter { !$0.contains("debug") }
            print("multi-node: the \(node.role) node said:\n\(said.suffix(40).joined(separator: "\n"))")
        }
    }

    /// What a crashed node's standard error says of the crash: Swift's backtrace from its headline (the fault and
    /// the crashed thread's frames come first), or the last lines when there is none.
    static func crashReport(in standardError: String) -> String {
        guard let headline = standardError.range(of: "*** ") else { return String(standardError.suffix(2000)) }
        return String(standardError[headline.lowerBound...].prefix(6000))
    }

    static func occurrences(of needle: String, in text: String) -> Int {
        text.ranges(of: needle).count
    }

    /// Whether `GET /health` answers 200 within `seconds` (it checks the database).
    static func isHealthy(_ base: String, seconds: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let response = try? await HTTPClient.shared.execute(
                HTTPClientRequest(url: base + "/health"),
                timeout: .seconds(5)
            ), response.status == .ok {
                return true
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return false
    }

    /// Runs `command` with `/bin/sh -c` and returns its exit status and output (status -1 if it runs too long).
    ///
    /// Not with Foundation's `Process`: a command that starts a daemon (`pg_ctl restart`) would pass it the socket
    /// `Process` watches for the child's end, and the command would seem to run for as long as the daemon. Here the
    /// shell gets standard input from /dev/null, its output in a file, no other descriptor of this process, default
    /// signal handling, and is waited for by its process id.
    static func runShell(_ command: String, seconds: Double) async -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("hookd-multinode-sh-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t?
        var attributes: posix_spawnattr_t?
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        #if canImport(Darwin)
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #else
        // Closing a descriptor that is no longer open is not an error for posix_spawn.
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        #endif
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let arguments: [UnsafeMutablePointer<CChar>?] = ["/bin/sh", "-c", command].map { (text: String) in
            strdup(text)
        }
        let environment: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment.map {
            strdup("\($0.key)=\($0.value)")
        }
        defer {
            for string in arguments + environment { free(string) }
        }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, arguments + [nil], environment + [nil])
        guard spawned == 0 else { return (-1, "cannot run /bin/sh: \(String(cString: strerror(spawned)))") }

        let deadline = Date().addingTimeInterval(seconds)
        var status: Int32 = 0
        var ended = false
        while !ended {
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == -1, errno != EINTR {
                return (-1, "waitpid failed: \(String(cString: strerror(errno)))")
            }
            ended = waited == pid
            if !ended, Date() > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                return (-1, "still running after \(seconds) s: \(output)")
            }
            if !ended { try? await Task.sleep(for: .milliseconds(50)) }
        }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        // The exit code when the shell exited (WIFEXITED, WEXITSTATUS), otherwise 128 + the signal.
        return (status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), output)
    }

    static func seconds(since start: ContinuousClock.Instant) -> String {
        String(format: "%.1f s", (ContinuousClock.now - start).inSeconds)
    }
}

extension Duration {
    fileprivate var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
