import AsyncHTTPClient
import Foundation
import HookdCore
import HookdServerTestSupport
import HookdStore
import HookdTestSupport
import Testing

/// Ordered delivery (SPEC §15) end to end, on each store: 2,000 events over 50 keys to a KEYED endpoint whose receiver
/// answers slowly and fails a third of requests at random, with `hookd serve` killed by SIGKILL midway and started
/// again. For every key the receiver's first successful receipts come in publish order and none is missing; unkeyed
/// events sent beside them all arrive.
@Suite(.serialized) struct OrderedDeliveryCrashTests {
    static let keyCount = 50
    static let eventsPerKey = 40
    static let unkeyedCount = 100
    /// The server is killed once this many events have had a successful receipt (a third of them).
    static let killAfterSuccesses = keyCount * eventsPerKey / 3

    /// Where a `hookd serve` keeps its data: a data directory, and for PostgreSQL a schema of its own.
    struct Deployment: Sendable {
        let directory: String
        let databaseArguments: [String]
        let environment: [String: String]

        func run(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
            let result = try await ChildProcess.run(
                arguments + ["--data-dir", directory] + databaseArguments,
                environment: environment
            )
            return (result.status, result.stdout, result.stderr)
        }

        /// `hookd serve` with retries 0.2 s apart (twenty of them, so no event runs out of attempts against a
        /// receiver that fails a third of the time) and leases that run out soon after a crash.
        func serve() throws -> ChildProcess {
            try ChildProcess(
                [
                    "serve", "--port", "0", "--data-dir", directory, "--allow-http-targets",
                    "--allow-private-targets", "--endpoint-retry-schedule",
                    Array(repeating: "0.2", count: 20).joined(separator: ","), "--delivery-timeout", "5",
                    "--lease-duration", "2",
                ] + databaseArguments,
                environment: environment
            )
        }
    }

    static func withDeployment(_ backend: StoreBackend, _ body: (Deployment) async throws -> Void) async throws {
        let directory = LiveHTTP.temporaryDirectory(prefix: "hookd-ordered")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = ["HOOKD_MASTER_KEY": MasterKey.generate().encoded]
        switch backend {
        case .sqlite:
            try await body(Deployment(directory: directory, databaseArguments: [], environment: environment))
        case .postgres:
            let schema = try await PostgresTestDatabase.Schema.create()
            let base = try #require(PostgresTestDatabase.url)
            let url = base + (base.contains("?") ? "&" : "?") + "options=-c%20search_path%3D\(schema.name)&pool_size=8"
            do {
                try await body(
                    Deployment(directory: directory, databaseArguments: ["--database", url], environment: environment)
                )
                try await schema.drop()
            } catch {
                schema.dropInBackground()
                throw error
            }
        }
    }

    /// The base URL publishes go to; `nil` while no server is up.
    actor CurrentServer {
        var base: String?
        func set(_ base: String?) { self.base = base }
    }

    /// Publishes one event until a server accepts it (202), through a crash and a restart; the same `eventId`
    /// each time, so a publish whose answer was lost is not doubled.
    static func publishUntilAccepted(_ json: String, to server: CurrentServer, operatorKey: String) async throws {
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            if let base = await server.base,
                let response = try? await LiveHTTP.send(
                    LiveHTTP.request(base + "/api/v3/internal/events", json: json, bearer: operatorKey),
                    timeout: 10
                )
            {
                if response.status == 202 { return }
                if (400..<500).contains(response.status) && response.status != 429 {
                    Issue.record("publish refused: \(response.status) \(response.body)")
                    return
                }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("no server accepted \(json) in five minutes")
    }

    static func serverBase(_ server: ChildProcess) async throws -> String {
        let port = try #require(
            try await server.waitForOutput(#/listening on http://127\.0\.0\.1:(\d+)/#, seconds: 60),
            "\(server.standardError)"
        )
        return "http://127.0.0.1:\(port)"
    }

    @Test(arguments: StoreBackend.all)
    func eachKeyArrivesInPublishOrderThroughACrash(backend: StoreBackend) async throws {
        let receiver = OrderedReceiver()
        try await Self.withDeployment(backend) { deployment in
            let created = try await deployment.run(["apps", "create", "--name", "Ordered", "--json"])
            #expect(created.status == 0, "\(created.stderr)")
            let app = try #require(
                try? JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: String],
                "\(created.stdout) \(created.stderr)"
            )
            let (appID, secretKey) = (try #require(app["appId"]), try #require(app["secretKey"]))
            let operatorKey = try await deployment.run(["operator-key"]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)

            try await receiver.withRunning { url in
                let first = try deployment.serve()
                defer { if first.isRunning { kill(first.identifier, SIGKILL) } }
                let server = CurrentServer()
                let firstBase = try await Self.serverBase(first)
                await server.set(firstBase)
                let token = try await LiveHTTP.token(base: firstBase, appID: appID, secretKey: secretKey)
                let endpoint = try await LiveHTTP.send(
                    LiveHTTP.request(
                        firstBase + "/api/v3.20/webhooks",
                        json: #"{"url":"\#(url)","events":["CARD_FUNDED"],"ordering":"KEYED"}"#,
                        bearer: token
                    )
                )
                #expect(endpoint.status == 201, "\(endpoint.body)")
                #expect((endpoint.body["data"] as? [String: Any])?["ordering"] as? String == "KEYED")

                let keyed = (0..<Self.keyCount).map { _ in
                    (0..<Self.eventsPerKey).map { _ in UUID().uuidString.lowercased() }
                }
                let unkeyed = (0..<Self.unkeyedCount).map { _ in UUID().uuidString.lowercased() }

                // Each key's events are published one after the other (the next once the last was accepted), the
                // keys and the unkeyed events side by side; the server is killed midway and started again.
                var restartedAt = ContinuousClock.now
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (key, eventIDs) in keyed.enumerated() {
                        group.addTask {
                            for (n, eventID) in eventIDs.enumerated() {
                                try await Self.publishUntilAccepted(
                                    #"{"appId":"\#(appID)","event":"card.funded","data":{"key":\#(key),"n":\#(n)},"#
                                        + #""eventId":"\#(eventID)","orderingKey":"card-\#(key)"}"#,
                                    to: server,
                                    operatorKey: operatorKey
                                )
                            }
                        }
                    }
                    group.addTask {
                        for (n, eventID) in unkeyed.enumerated() {
                            try await Self.publishUntilAccepted(
                                #"{"appId":"\#(appID)","event":"card.funded","data":{"n":\#(n)},"eventId":"\#(eventID)"}"#,
                                to: server,
                                operatorKey: operatorKey
                            )
                        }
                    }
                    let deadline = Date().addingTimeInterval(180)
                    while receiver.firstSuccesses.count < Self.killAfterSuccesses, Date() < deadline {
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    let atKill = receiver.firstSuccesses.count
                    #expect(atKill >= Self.killAfterSuccesses, "only \(atKill) events had arrived before the kill")
                    kill(first.identifier, SIGKILL)
                    await server.set(nil)
                    #expect(try await first.waitForExit(seconds: 30) == SIGKILL)

                    let second = try deployment.serve()
                    restartedAt = .now
                    do {
                        await server.set(try await Self.serverBase(second))
                        try await group.waitForAll()
                        let everyEvent = Set(keyed.joined()).union(unkeyed)
                        let arrived = Date().addingTimeInterval(240)
                        while !everyEvent.isSubset(of: receiver.firstSuccesses.keys), Date() < arrived {
                            try await Task.sleep(for: .milliseconds(100))
                        }
                        print(
                            "ordered crash test (\(backend)): killed after \(atKill) of \(everyEvent.count) arrived; "
                                + "\(receiver.all.count) requests in all"
                        )
                        #expect(try await second.stop(seconds: 30) == 0)
                    } catch {
                        kill(second.identifier, SIGKILL)
                        throw error
                    }
                }

                let firstSuccesses = receiver.firstSuccesses
                for (key, eventIDs) in keyed.enumerated() {
                    let order = eventIDs.map { firstSuccesses[$0] }
                    let missing = order.filter { $0 == nil }.count
                    #expect(missing == 0, "key \(key): \(missing) events never arrived")
                    let arrived = order.compactMap { $0 }
                    #expect(arrived == arrived.sorted(), "key \(key): first receipts out of publish order")
                }
                let unkeyedMissing = unkeyed.filter { firstSuccesses[$0] == nil }.count
                #expect(unkeyedMissing == 0, "\(unkeyedMissing) unkeyed events never arrived")
                #expect(
                    Self.overlaps(in: receiver.all, keys: keyed, after: restartedAt) == 0,
                    "two requests of one key were in flight at once"
                )
            }
        }
    }

    /// How many times a request of a key began before the previous one of the same key ended, among requests that
    /// began after `restart` (the killed server's last requests may still be answered after it died).
    static func overlaps(
        in receipts: [OrderedReceiver.Receipt],
        keys: [[String]],
        after restart: ContinuousClock.Instant
    ) -> Int {
        var keyOf: [String: Int] = [:]
        for (key, eventIDs) in keys.enumerated() { for eventID in eventIDs { keyOf[eventID] = key } }
        let byKey = Dictionary(grouping: receipts.filter { $0.began > restart && keyOf[$0.eventID] != nil }) {
            keyOf[$0.eventID]!
        }
        var overlaps = 0
        for receipts in byKey.values {
            let sorted = receipts.sorted { $0.began < $1.began }
            for (previous, next) in zip(sorted, sorted.dropFirst()) where (previous.ended ?? .now) > next.began {
                overlaps += 1
            }
        }
        return overlaps
    }
}
