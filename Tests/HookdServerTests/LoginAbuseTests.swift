import AsyncHTTPClient
import Foundation
import HookdCore
import HookdServerTestSupport
import HookdStore
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Testing

@testable import HookdServer

/// Anonymous callers of `POST /auth/token` (SPEC §13): nothing they send grows the store, guesses in parallel never
/// pass a limit, and behind a trusted proxy one client's failures never refuse another client's right key.
@Suite struct LoginAbuseTests {
    /// The body of a token request for `appID`, given the secret key to try.
    static func tokenBody(appID: String) -> @Sendable (String) -> String {
        { secret in #"{"appId":"\#(appID)","secretKey":"\#(secret)","grantType":"client_credentials"}"# }
    }

    /// `count` token requests at once to the server on `port`, each with the body and headers `request(index)` makes;
    /// the statuses, in any order.
    static func tokenRequests(
        port: Int,
        count: Int,
        _ request: @escaping @Sendable (Int) -> (body: String, headers: [(String, String)])
    ) async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<count {
                group.addTask {
                    let made = request(index)
                    var http = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v3/auth/token")
                    http.method = .POST
                    http.headers.add(name: "Content-Type", value: "application/json")
                    for (name, value) in made.headers { http.headers.add(name: name, value: value) }
                    http.body = .bytes(ByteBuffer(string: made.body))
                    let response = try await HTTPClient.shared.execute(http, timeout: .seconds(60))
                    _ = try await response.body.collect(upTo: 1 << 20)
                    return Int(response.status.code)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// The bytes the harness's SQLite files take on disk (database, WAL, shared memory).
    static func storeBytes(_ harness: TestHarness) -> Int {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: harness.directory.path)) ?? []
        return files.reduce(0) { total, name in
            let size = try? FileManager.default.attributesOfItem(
                atPath: harness.directory.appendingPathComponent(name).path
            )[.size]
            return total + ((size as? Int) ?? 0)
        }
    }

    @Test func fourHundredGuessesWithHugeAppIdsAreRefusedByShapeAndStoreNothing() async throws {
        try await TestHarness.with { harness in
            try await harness.withLiveServer { client in
                let port = try #require(client.port)
                _ = try await harness.createApp()  // the store exists and has data
                let before = Self.storeBytes(harness)
                let statuses = try await Self.tokenRequests(port: port, count: 400) { _ in
                    // 200 KB, a different one each time.
                    let appID = String(repeating: Identifiers.appID().rawValue, count: 12_500)
                    return (#"{"appId":"\#(appID)","secretKey":"sk_guess","grantType":"client_credentials"}"#, [])
                }
                #expect(statuses.allSatisfy { $0 == 400 }, "refused by shape: \(Set(statuses))")
                let growth = Self.storeBytes(harness) - before
                #expect(growth < 1 << 20, "grew by \(growth) bytes")
                print(
                    "login abuse: 400 guesses with 200 KB app ids, statuses \(Set(statuses)), the store grew \(growth) bytes"
                )
            }
        }
    }

    @Test(arguments: Backend.all)
    func guessesInParallelNeverPassTheLimitAndStoreLittle(backend: Backend) async throws {
        let configure: (inout HookdServerConfiguration) -> Void = { $0.limits.loginFailuresPerAddress = 30 }
        try await TestHarness.withDeliveries(on: backend, configure: configure) {
            harness in
            try await harness.withLiveServer { client in
                let port = try #require(client.port)
                let before = Self.storeBytes(harness)
                // Each guess names a different, well-shaped app id: only the client's own limit can hold them back.
                let statuses = try await Self.tokenRequests(port: port, count: 400) { _ in
                    (
                        #"{"appId":"\#(Identifiers.appID())","secretKey":"sk_guess","grantType":"client_credentials"}"#,
                        []
                    )
                }
                #expect(statuses.filter { $0 == 401 }.count == 30, "exactly the limit was checked: \(statuses.count)")
                #expect(statuses.filter { $0 == 429 }.count == 370, "every other one refused before being checked")
                if backend == .sqlite {
                    let growth = Self.storeBytes(harness) - before
                    #expect(growth < 1 << 20)
                    print(
                        "login abuse: 400 parallel guesses, \(statuses.filter { $0 == 401 }.count) 401, the store grew \(growth) bytes"
                    )
                }
            }
        }
    }

    @Test func behindATrustedProxyOneClientsFailuresLeaveAnotherClientsLoginAlone() async throws {
        let configure: (inout HookdServerConfiguration) -> Void = { configuration in
            configuration.trustedProxies = [AddressRange("127.0.0.1/32")!]
            configuration.limits.loginFailuresPerAddress = 30
        }
        try await TestHarness.with(configure: configure) { harness in
            let (app, key) = try await harness.createApp()
            try await harness.withLiveServer { client in
                let port = try #require(client.port)
                let body = Self.tokenBody(appID: app.id.rawValue)
                // The balancer appends each client's address to what the client sent.
                let attacker = try await Self.tokenRequests(port: port, count: 40) { _ in
                    (body("sk_guess"), [("X-Forwarded-For", "10.9.9.9, 198.51.100.7")])
                }
                #expect(attacker.filter { $0 == 429 }.count >= 30, "the guesser is held back: \(attacker)")
                let own = try await Self.tokenRequests(port: port, count: 1) { _ in
                    (body(key.value), [("X-Forwarded-For", "198.51.100.8")])
                }
                #expect(own == [200], "another client with the right key gets its token")
            }
        }
    }

    @Test func withoutATrustedProxyForwardedForIsIgnored() async throws {
        let configure: (inout HookdServerConfiguration) -> Void = { $0.limits.loginFailuresPerAddress = 5 }
        try await TestHarness.with(configure: configure) { harness in
            let (app, key) = try await harness.createApp()
            try await harness.withLiveServer { client in
                let port = try #require(client.port)
                let body = Self.tokenBody(appID: app.id.rawValue)
                for index in 0..<5 {
                    _ = try await Self.tokenRequests(port: port, count: 1) { _ in
                        (body("sk_guess"), [("X-Forwarded-For", "198.51.100.\(index)")])
                    }
                }
                let again = try await Self.tokenRequests(port: port, count: 1) { _ in
                    (body(key.value), [("X-Forwarded-For", "198.51.100.99")])
                }
                #expect(again == [429], "anyone can send the header: the peer is the client")
            }
        }
    }
}
