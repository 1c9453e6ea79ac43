import AsyncHTTPClient
import Foundation
import HookdBench
import HookdCore
import HookdServerTestSupport
import HookdTestSupport
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

/// `GET /api/v3.20/webhooks/{id}/stats?hours=168` over a log of 100,000 attempts, measured in a real `hookd serve`:
/// the database aggregates, so the server's memory does not follow the log's size (issue 21).
///
/// The figure is the server's peak resident memory during the request (`VmHWM`, reset first through
/// `/proc/PID/clear_refs`) less its resident memory before it: a bound on memory, not on time.
@Suite(.serialized) struct StatsMemoryTests {
    static let deliveries = 50_000
    static let attemptsEach = 2
    /// The most the server may grow while it answers.
    static let allowedGrowth = 20 * 1024 * 1024

    @Test(arguments: Backend.all)
    func statsOverAHundredThousandAttemptsGrowsTheServerByLessThan20MB(backend: Backend) async throws {
        let directory = LiveHTTP.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let schema = backend == .postgres ? try await PostgresTestDatabase.Schema.create() : nil
        defer { schema?.dropInBackground() }
        var database: [String] = []
        if let schema, let base = PostgresTestDatabase.url {
            database = [
                "--database", base + (base.contains("?") ? "&" : "?") + "options=-c%20search_path%3D\(schema.name)",
            ]
        }
        let environment = ["HOOKD_MASTER_KEY": MasterKey.generate().encoded]
        let created = try await ChildProcess.run(
            ["apps", "create", "--name", "Stats", "--json", "--data-dir", directory] + database,
            environment: environment
        )
        #expect(created.status == 0, "\(created.stderr)")
        let app = try #require(
            try? JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: String],
            "\(created.stdout) \(created.stderr)"
        )
        let server = try ChildProcess(
            [
                "serve", "--role", "api", "--port", "0", "--data-dir", directory, "--allow-http-targets",
                "--allow-private-targets",
            ] + database,
            environment: environment
        )
        do {
            let port = try #require(
                try await server.waitForOutput(#/listening on http://127\.0\.0\.1:(\d+)/#, seconds: 60),
                "hookd did not start: \(server.standardError)"
            )
            let base = "http://127.0.0.1:\(port)"
            let token = try await LiveHTTP.token(
                base: base,
                appID: try #require(app["appId"]),
                secretKey: try #require(app["secretKey"])
            )
            let endpoint = try await LiveHTTP.send(
                LiveHTTP.request(
                    base + "/api/v3.20/webhooks",
                    json: #"{"url":"http://127.0.0.1:9/in","events":["CARD_FUNDED"]}"#,
                    bearer: token
                )
            )
            let endpointID = try #require((endpoint.body["data"] as? [String: Any])?["webhookId"] as? String)

            let seed = LogSeed.Attempts(
                appID: try #require(app["appId"]),
                endpointID: endpointID,
                deliveries: Self.deliveries,
                attemptsEach: Self.attemptsEach,
                end: UnixMillis(Int64(Date().timeIntervalSince1970 * 1000)) - .seconds(60),
                hours: 160
            )
            if let schema {
                try await LogSeed.attempts(postgres: schema, seed)
            } else {
                try LogSeed.attempts(sqlitePath: directory + "/hookd.sqlite", seed)
            }

            // Once over an hour, so that what any first read sets up (a reader, its statements) is in place.
            _ = try await Self.stats(base: base, endpointID: endpointID, token: token, hours: 1)
            let pid = server.identifier
            let before = try #require(ProcessMemory.read(pid: pid)).residentBytes
            let peakReset =
                (try? "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)) != nil
            let hours = try await Self.stats(base: base, endpointID: endpointID, token: token, hours: 168)
            let after = try #require(ProcessMemory.read(pid: pid))
            let peak = peakReset ? after.peakResidentBytes : after.residentBytes
            let growth = peak - before
            print(
                "stats memory (\(backend)): \(Self.deliveries * Self.attemptsEach) attempts, resident \(before / 1024) KiB "
                    + "before, peak \(peak / 1024) KiB during (\(peakReset ? "VmHWM after reset" : "VmRSS after")), "
                    + "growth \(growth / 1024) KiB"
            )
            #expect(hours.count == 168)
            let counted = hours.reduce(0) { $0 + ($1["succeeded"] as? Int ?? 0) + ($1["failed"] as? Int ?? 0) }
            #expect(counted == Self.deliveries * Self.attemptsEach, "every seeded attempt is in the window")
            #expect(hours.reduce(0) { $0 + ($1["failed"] as? Int ?? 0) } == Self.deliveries * Self.attemptsEach / 10)
            #expect(growth < Self.allowedGrowth, "the server grew by \(growth / 1024) KiB to answer")
        } catch {
            _ = try? await server.stop()
            throw error
        }
        _ = try await server.stop()
    }

    /// The `hours` of the endpoint's stats, read with `token`.
    static func stats(base: String, endpointID: String, token: String, hours: Int) async throws -> [[String: Any]] {
        var request = HTTPClientRequest(url: base + "/api/v3.20/webhooks/\(endpointID)/stats?hours=\(hours)")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let body = try await response.body.collect(upTo: 1 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
        #expect(response.status.code == 200, "\(object)")
        return try #require((object["data"] as? [String: Any])?["hours"] as? [[String: Any]], "\(object)")
    }
}
