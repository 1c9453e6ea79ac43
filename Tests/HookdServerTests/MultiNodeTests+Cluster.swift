import AsyncHTTPClient
import Foundation
import HookdCore
import HookdServerTestSupport
import HookdTestSupport
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import PostgresNIO
import Synchronization
import Testing

/// The fixture: a schema, an app, a receiver and the `hookd` processes on them.
extension MultiNodeTests {
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
            let configured = try await LiveHTTP.setWebhookURL(receiverURL, base: base, token: token)
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

}
