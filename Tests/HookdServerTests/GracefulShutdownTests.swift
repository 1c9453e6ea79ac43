import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

/// SIGTERM stops claiming new work and lets the attempt in flight finish and be recorded.
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

    @Test func anAttemptInFlightAtSIGTERMFinishesAndIsRecorded() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hookd-shutdown-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let created = try await ChildProcess.run(["apps", "create", "--name", "s", "--json", "--data-dir", directory])
        let app = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: String])
        let operatorKey = try await ChildProcess.run(["operator-key", "--data-dir", directory]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let receiver = TestReceiver(fallback: .delayed(.seconds(2), .status(200)))
        let running = try await receiver.start()
        defer { Task { await running.stop() } }
        let arguments = [
            "serve", "--port", "0", "--data-dir", directory, "--allow-http-targets", "--allow-private-targets",
        ]

        let server = try ChildProcess(arguments)
        let port = try #require(
            try await server.waitForOutput(#/listening on http://127\.0\.0\.1:(\d+)/#),
            "\(server.standardError)"
        )
        let base = "http://127.0.0.1:\(port)/api/v3"
        let tokenBody = try await CommandLineTests.post(
            "\(base)/auth/token",
            json: #"{"appId":"\#(app["appId"]!)","secretKey":"\#(app["secretKey"]!)","grantType":"client_credentials"}"#
        )
        let token = try #require((tokenBody.body["data"] as? [String: Any])?["accessToken"] as? String)
        _ = try await Self.request(.PUT, "\(base)/webhooks", token: token, json: #"{"webhookUrl":"\#(running.url)"}"#)
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
        let newPort = try #require(try await restarted.waitForOutput(#/listening on http://127\.0\.0\.1:(\d+)/#))
        let log = try await Self.request(.GET, "http://127.0.0.1:\(newPort)/api/v3/webhooks/deliveries", token: token)
        let entry = try #require((log["data"] as? [[String: Any]])?.first)
        #expect(entry["status"] as? String == "SUCCEEDED", "\(entry)")
        #expect(entry["attempts"] as? Int == 1)
        try await Task.sleep(for: .milliseconds(500))
        #expect(receiver.received.count == 1, "the finished attempt is not sent again")
        _ = try await restarted.stop()
    }
}
