import AsyncHTTPClient
import Foundation
import HookdServerTestSupport
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

/// SIGTERM stops claiming new work and lets the attempts in flight finish, at their deadline at the latest, and be
/// recorded.
@Suite(.serialized) struct GracefulShutdownTests {
    static func request(
        _ method: HTTPMethod,
        _ url: String,
        token: String,
        json: String? = nil
    ) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] ?? [:]
    }

    /// Starts `hookd serve` with `arguments` and returns it with its API's base URL and a token for `app`.
    static func serve(
        _ arguments: [String],
        environment: [String: String] = [:],
        app: [String: String]
    ) async throws -> (server: ChildProcess, base: String, token: String) {
        let server = try ChildProcess(arguments, environment: environment)
        let port = try #require(
            try await server.waitForOutput(#/listening on http://127\.0\.0\.1:(\d+)/#),
            "\(server.standardError)"
        )
        let root = "http://127.0.0.1:\(port)"
        let token = try await LiveHTTP.token(base: root, appID: app["appId"]!, secretKey: app["secretKey"]!)
        return (server, root + "/api/v3", token)
    }

    @Test func anAttemptInFlightAtSIGTERMFinishesAndIsRecorded() async throws {
        try await ScratchDirectory.with(prefix: "hookd-shutdown") { directory in
            let app = try await ScratchDirectory.createApp(named: "s", in: directory)
            let operatorKey = try await ChildProcess.run(["operator-key", "--data-dir", directory]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let receiver = TestReceiver(fallback: .delayed(.seconds(2), .status(200)))
            try await receiver.withRunning { running in
                let arguments = [
                    "serve", "--port", "0", "--data-dir", directory, "--allow-http-targets", "--allow-private-targets",
                ]

                let (server, base, token) = try await Self.serve(arguments, app: app)
                _ = try await Self.request(
                    .PUT,
                    "\(base)/webhooks",
                    token: token,
                    json: #"{"webhookUrl":"\#(running.url)"}"#
                )
                _ = try await Self.request(
                    .POST,
                    "\(base)/internal/events",
                    token: operatorKey,
                    json: #"{"appId":"\#(app["appId"]!)","event":"card.created","data":{"n":1}}"#
                )

                #expect(try await receiver.waitFor(count: 1))
                let status = try await server.stop(seconds: 15)
                #expect(status == 0, "\(server.standardError)")

                let restarted = try ChildProcess(arguments)
                let newPort = try #require(
                    try await restarted.waitForOutput(#/listening on http://127\.0\.0\.1:(\d+)/#)
                )
                let log = try await Self.request(
                    .GET,
                    "http://127.0.0.1:\(newPort)/api/v3/webhooks/deliveries",
                    token: token
                )
                let entry = try #require((log["data"] as? [[String: Any]])?.first)
                #expect(entry["status"] as? String == "SUCCEEDED", "\(entry)")
                #expect(entry["attempts"] as? Int == 1)
                try await Task.sleep(for: .milliseconds(500))
                #expect(receiver.received.count == 1, "the finished attempt is not sent again")
                _ = try await restarted.stop()
            }
        }
    }

    /// What ``stopWithStalledAttempts(events:stalled:options:environment:)`` saw.
    struct StoppedRun {
        /// The delivery log after the restart, each entry with its first attempt (empty when it had none).
        var log: [(entry: [String: Any], attempt: [String: Any])] = []
        /// The most connections the receiver had open at once.
        var mostOpen = 0
        /// From SIGTERM to the process's exit.
        var stopTook: Duration = .zero
    }

    /// Starts `hookd serve` with `options`, publishes `events` to a receiver that answers headers and nothing more,
    /// waits until `stalled` attempts are stalled in flight, sends SIGTERM, checks that the process stopped
    /// cleanly, and restarts it to read the delivery log.
    static func stopWithStalledAttempts(
        events: Int,
        stalled: Int,
        options: [String],
        environment: [String: String] = [:]
    ) async throws -> StoppedRun {
        try await ScratchDirectory.with(prefix: "hookd-shutdown") { directory in
            let app = try await ScratchDirectory.createApp(named: "s", in: directory)
            let operatorKey = try await ChildProcess.run(["operator-key", "--data-dir", directory]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let stalling = HostileReceiver(.stallAfterHeaders)
            return try await stalling.withRunning { running in
                let arguments =
                    [
                        "serve", "--port", "0", "--data-dir", directory, "--allow-http-targets",
                        "--allow-private-targets",
                    ]
                    + options

                let (server, base, token) = try await Self.serve(arguments, environment: environment, app: app)
                let url = "http://127.0.0.1:\(running.port)/hook"
                _ = try await request(.PUT, "\(base)/webhooks", token: token, json: #"{"webhookUrl":"\#(url)"}"#)
                for index in 0..<events {
                    _ = try await request(
                        .POST,
                        "\(base)/internal/events",
                        token: operatorKey,
                        json: #"{"appId":"\#(app["appId"]!)","event":"card.created","data":{"n":\#(index)}}"#
                    )
                }
                #expect(
                    try await stalling.waitUntil { $0.open == stalled },
                    "attempts stalled: \(stalling.connectionCounts)"
                )
                // Whatever else the dispatcher would send goes out at once; give it the moment it would take.
                try await Task.sleep(for: .milliseconds(300))
                var run = StoppedRun(mostOpen: stalling.connectionCounts.mostOpen)

                let stopping = ContinuousClock.now
                let status = try await server.stop(seconds: 20)
                run.stopTook = ContinuousClock.now - stopping
                #expect(status == 0, "\(server.standardError)")
                #expect(try await stalling.waitUntilAllClosed(seconds: 5), "every stalled connection was let go")

                let restarted = try ChildProcess(arguments, environment: environment)
                let newPort = try #require(
                    try await restarted.waitForOutput(#/listening on http://127\.0\.0\.1:(\d+)/#)
                )
                let newBase = "http://127.0.0.1:\(newPort)/api/v3"
                let log = try await request(.GET, "\(newBase)/webhooks/deliveries", token: token)
                for entry in try #require(log["data"] as? [[String: Any]]) {
                    let id = try #require(entry["deliveryId"] as? String)
                    let detail = try await request(.GET, "\(newBase)/webhooks/deliveries/\(id)", token: token)
                    let history = (detail["data"] as? [String: Any])?["attemptHistory"] as? [[String: Any]]
                    run.log.append((entry, history?.first ?? [:]))
                }
                _ = try await restarted.stop()
                return run
            }
        }
    }

    @Test func sigtermWithStalledAttemptsInFlightStopsAtTheirDeadlineAndRecordsEachOne() async throws {
        let run = try await Self.stopWithStalledAttempts(events: 5, stalled: 5, options: ["--delivery-timeout", "3"])
        // The promise to operators, not a performance figure: gone within the delivery timeout plus 5 s.
        #expect(run.stopTook < .seconds(3 + 5), "SIGTERM took \(run.stopTook)")
        #expect(run.log.count == 5, "nothing accepted was lost")
        for (entry, attempt) in run.log {
            #expect(entry["status"] as? String == "PENDING", "\(entry)")
            #expect(entry["attempts"] as? Int == 1, "each stalled attempt was recorded: \(entry)")
            let error = attempt["error"] as? String
            #expect(error?.hasPrefix("no answer within 3 s: HTTP 200 received") == true, "\(attempt)")
        }
    }

    @Test func attemptsStillRunningAtTheShutdownTimeoutAreInterruptedAndRecordedToBeMadeAgain() async throws {
        let run = try await Self.stopWithStalledAttempts(
            events: 3,
            stalled: 3,
            options: ["--delivery-timeout", "120", "--shutdown-timeout", "1"]
        )
        #expect(run.log.count == 3, "nothing accepted was lost")
        for (entry, attempt) in run.log {
            #expect(entry["status"] as? String == "PENDING", "\(entry)")
            #expect(entry["attempts"] as? Int == 1, "\(entry)")
            #expect((attempt["error"] as? String)?.hasPrefix("interrupted: hookd was shutting down") == true)
        }
    }

    /// `--max-in-flight` bounds the requests open at once; the dispatcher claims a batch more ahead of a free slot
    /// (here two, `--max-in-flight`'s worth), which waits for one and, at SIGTERM, is given back unsent: due at once
    /// for another node, or for this one when it starts again.
    @Test func deliveriesClaimedAheadWaitForASlotAndAreGivenBackAtSIGTERM() async throws {
        let run = try await Self.stopWithStalledAttempts(
            events: 6,
            stalled: 2,
            // A delivery timeout long enough that no stalled attempt ends before SIGTERM on a busy machine.
            options: ["--delivery-timeout", "10", "--max-in-flight", "2", "--max-in-flight-per-app", "8"]
        )
        #expect(run.mostOpen == 2, "never more requests open than --max-in-flight")
        #expect(run.stopTook < .seconds(10 + 5), "SIGTERM took \(run.stopTook)")
        #expect(run.log.count == 6, "nothing accepted was lost")
        let attempted = run.log.filter { $0.entry["attempts"] as? Int == 1 }
        #expect(attempted.count == 2, "the two stalled")
        for (entry, attempt) in attempted {
            #expect(entry["status"] as? String == "PENDING", "\(entry)")
            #expect((attempt["error"] as? String)?.hasPrefix("no answer within 10 s") == true, "\(attempt)")
        }
        #expect(
            run.log.filter { $0.entry["attempts"] as? Int == 0 }.count == 4,
            "the two claimed ahead, given back, and the two never claimed"
        )
    }

    @Test func theEnvironmentTwinOfTheLimitPerAppHoldsAnAppToItsShare() async throws {
        let run = try await Self.stopWithStalledAttempts(
            events: 5,
            stalled: 2,
            options: ["--delivery-timeout", "3"],
            environment: ["HOOKD_MAX_IN_FLIGHT_PER_APP": "2"]
        )
        #expect(run.mostOpen == 2, "never more than two of the app's attempts in flight, not even at SIGTERM")
        #expect(run.log.count == 5, "nothing accepted was lost")
        #expect(run.log.filter { $0.entry["attempts"] as? Int == 1 }.count == 2, "the two stalled were recorded")
        #expect(run.log.filter { $0.entry["attempts"] as? Int == 0 }.count == 3, "the other three wait their turn")
    }
}
