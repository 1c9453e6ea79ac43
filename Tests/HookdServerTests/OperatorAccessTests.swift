import AsyncHTTPClient
import Foundation
import HookdCore
import HookdServerTestSupport
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Testing

@testable import HookdServer

/// What guards the operator's doors: failed operator keys are throttled per client, and `/metrics` answers only its
/// token's bearer or, without one, loopback clients. Over real sockets on 127.0.0.1, with other clients named by a
/// trusted proxy's `X-Forwarded-For`.
@Suite struct OperatorAccessTests {
    /// One request to the server on `port`: its status and `Retry-After`.
    static func request(
        port: Int,
        _ path: String,
        method: HTTPMethod = .GET,
        bearer: String? = nil,
        client: String? = nil,
        body: String? = nil
    ) async throws -> (status: Int, retryAfter: String?) {
        var http = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        http.method = method
        if let bearer { http.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let client { http.headers.add(name: "X-Forwarded-For", value: client) }
        if let body {
            http.headers.add(name: "Content-Type", value: "application/json")
            http.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(http, timeout: .seconds(60))
        _ = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers.first(name: "Retry-After"))
    }

    /// A harness behind a trusted proxy on loopback, so that tests can speak as other clients.
    static func behindAProxy(_ configure: (inout HookdServerConfiguration) -> Void = { _ in }) throws -> TestHarness {
        try TestHarness { configuration in
            configuration.trustedProxies = [AddressRange("127.0.0.1/32")!, AddressRange("::1/128")!]
            configure(&configuration)
        }
    }

    @Test func failedOperatorKeysAreThrottledPerClientAndTheRightKeyElsewhereStillWorks() async throws {
        try await Self.behindAProxy { $0.limits.loginFailuresPerAddress = 5 }.use { harness in
            try await harness.withLiveServer { client in
                let port = try #require(client.port)
                var statuses: [Int] = []
                for _ in 0..<8 {
                    statuses.append(
                        try await Self.request(
                            port: port,
                            "/api/v3/internal/apps",
                            bearer: "hok_guess",
                            client: "198.51.100.7"
                        )
                        .status
                    )
                }
                #expect(statuses == [401, 401, 401, 401, 401, 429, 429, 429], "five failures, then held back")
                let rightKeyFromTheGuesser = try await Self.request(
                    port: port,
                    "/api/v3/internal/apps",
                    bearer: harness.operatorKey,
                    client: "198.51.100.7"
                )
                #expect(rightKeyFromTheGuesser.status == 429, "not even compared while the client is held back")
                #expect(rightKeyFromTheGuesser.retryAfter.flatMap(Int.init).map { $0 >= 1 && $0 <= 60 } == true)
                let elsewhere = try await Self.request(
                    port: port,
                    "/api/v3/internal/apps",
                    bearer: harness.operatorKey,
                    client: "198.51.100.8"
                )
                #expect(elsewhere.status == 200, "another client with the right key is let in")
                harness.clock.advance(by: 61)
                let later = try await Self.request(
                    port: port,
                    "/api/v3/internal/apps",
                    bearer: harness.operatorKey,
                    client: "198.51.100.7"
                )
                #expect(later.status == 200, "the hold ends with the limit's minute")
            }
        }
    }

    @Test func withoutATokenMetricsAnswersLoopbackClientsOnly() async throws {
        try await Self.behindAProxy().use { harness in
            try await harness.withLiveServer { client in
                let port = try #require(client.port)
                #expect(try await Self.request(port: port, "/metrics").status == 200, "the operator's own machine")
                #expect(try await Self.request(port: port, "/metrics", client: "198.51.100.7").status == 401)
                #expect(
                    try await Self.request(port: port, "/metrics", client: "127.0.0.1").status == 200,
                    "a loopback client behind the proxy"
                )
            }
        }
    }

    @Test func withATokenMetricsAnswersItsBearerOnly() async throws {
        let token = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        try await Self.behindAProxy { $0.metricsToken = token }.use { harness in
            try await harness.withLiveServer { client in
                let port = try #require(client.port)
                #expect(try await Self.request(port: port, "/metrics").status == 401, "loopback needs it too")
                #expect(try await Self.request(port: port, "/metrics", bearer: String(token.dropLast())).status == 401)
                #expect(try await Self.request(port: port, "/metrics", bearer: token).status == 200)
                #expect(
                    try await Self.request(port: port, "/metrics", bearer: token, client: "198.51.100.7").status == 200
                )
                #expect(
                    try await Self.request(port: port, "/metrics", bearer: harness.operatorKey).status == 401,
                    "the operator key is not the metrics token"
                )
            }
        }
    }
}
