import Foundation
import HookdCore
import HookdServerTestSupport
import HookdVerify
import Testing

@testable import HookdDelivery

/// How the transport keeps, replaces and lets go of its connections. Loopback only.
@Suite struct TransportConnectionTests {
    /// A signed attempt to `url` (checked with private targets allowed) through `transport`.
    static func send(
        _ transport: HTTPWebhookTransport,
        to url: String,
        timeout: Duration = .seconds(30)
    ) async throws -> TransportResult {
        let policy = WebhookURLPolicy(
            allowHTTPTargets: true,
            addressPolicy: AddressPolicy(allowPrivateTargets: true),
            resolver: FakeHostResolver()
        )
        let webhook = OutgoingWebhook(
            event: "card.created",
            eventID: Identifiers.eventID(),
            data: Array(#"{"n":1}"#.utf8),
            timestamp: UnixSeconds(1_767_225_600),
            signer: try WebhookSigner(secret: WebhookSecret.generate().value),
            schemes: Set(SignatureScheme.allCases),
            userAgent: "hookd/test"
        )
        return await transport.send(webhook, to: try await policy.check(url), timeout: timeout)
    }

    @Test func aTransportForLoopbackOnlyRefusesAnyOtherAddressBeforeConnecting() async throws {
        // The test harness's servers all run so: a test that names a public receiver by mistake sends nothing. The
        // refusal is checked here as a rule (no test sends to another address); the connection path applies it.
        var configuration = HTTPWebhookTransport.Configuration()
        configuration.connectsOnlyToLoopback = true
        for text in ["93.184.215.14", "10.0.0.7", "2001:db8::1", "::ffff:192.0.2.1"] {
            let refusal = HTTPWebhookTransport.refusal(of: IPAddress(literal: text)!, by: configuration)
            #expect(refusal.map { "\($0)".contains("is not loopback") } == true, "\(text)")
        }
        for text in ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"] {
            #expect(HTTPWebhookTransport.refusal(of: IPAddress(literal: text)!, by: configuration) == nil, "\(text)")
        }
        #expect(HTTPWebhookTransport.refusal(of: IPAddress(literal: "93.184.215.14")!, by: .init()) == nil, "off")
        let transport = try HTTPWebhookTransport(configuration: configuration)
        defer { transport.shutdown() }
        let receiver = HostileReceiver(.okKeepAlive)
        try await receiver.withRunning { running async throws in
            #expect(try await Self.send(transport, to: "http://127.0.0.1:\(running.port)/hook").outcome.isSuccess)
        }
    }

    @Test func attemptsToOneAddressShareAKeptAliveConnection() async throws {
        let transport = try HTTPWebhookTransport()
        defer { transport.shutdown() }
        let receiver = HostileReceiver(.okKeepAlive)
        try await receiver.withRunning { running in
            for _ in 0..<3 {
                let result = try await Self.send(transport, to: "http://127.0.0.1:\(running.port)/hook")
                #expect(result.outcome == .answered(status: 200, retryAfter: nil))
            }
            #expect(receiver.receivedRequests.count == 3)
            #expect(receiver.connectionCounts.accepted == 1, "one connection carried all three")
            #expect(transport.idleConnectionCount == 1)
        }
    }

    @Test func aKeptConnectionTheReceiverClosedIsReplacedWithoutLosingTheAttempt() async throws {
        let transport = try HTTPWebhookTransport()
        defer { transport.shutdown() }
        let receiver = HostileReceiver(.okKeepAlive)
        try await receiver.withRunning { running async throws in
            let url = "http://127.0.0.1:\(running.port)/hook"
            #expect(try await Self.send(transport, to: url).outcome.isSuccess)
            await receiver.closeConnections()
            #expect(try await receiver.waitUntilAllClosed())
            #expect(try await Self.send(transport, to: url).outcome.isSuccess, "a new connection carried it")
            #expect(receiver.receivedRequests.count == 2)
            #expect(receiver.connectionCounts.accepted == 2)
        }
    }

    @Test func anIdleConnectionIsClosedAfterTheIdleTimeout() async throws {
        var configuration = HTTPWebhookTransport.Configuration()
        configuration.idleConnectionTimeout = .milliseconds(200)
        let transport = try HTTPWebhookTransport(configuration: configuration)
        defer { transport.shutdown() }
        let receiver = HostileReceiver(.okKeepAlive)
        try await receiver.withRunning { running in
            let result = try await Self.send(transport, to: "http://127.0.0.1:\(running.port)/hook")
            #expect(result.outcome.isSuccess, "\(result.outcome)")
            #expect(try await receiver.waitUntilAllClosed(), "hookd closed the idle connection")
            #expect(try await HostileReceiver.eventually { transport.idleConnectionCount == 0 }, "and forgot it")
        }
    }

    @Test func idleConnectionsPerAddressStopAtTheirLimit() async throws {
        var configuration = HTTPWebhookTransport.Configuration()
        configuration.maximumIdleConnectionsPerAddress = 2
        let transport = try HTTPWebhookTransport(configuration: configuration)
        defer { transport.shutdown() }
        let receiver = HostileReceiver(.okKeepAlive)
        try await receiver.withRunning { running in
            let url = "http://127.0.0.1:\(running.port)/hook"
            // Five at once need five connections; only two are kept afterwards.
            let results = try await withThrowingTaskGroup(of: TransportResult.self) { group in
                for _ in 0..<5 { group.addTask { try await Self.send(transport, to: url) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.allSatisfy { $0.outcome.isSuccess })
            #expect(transport.idleConnectionCount <= 2)
            #expect(try await receiver.waitUntil { $0.open == transport.idleConnectionCount })
        }
    }

    @Test func cancellingAnAttemptClosesItsConnectionAndReportsAnInterruption() async throws {
        let transport = try HTTPWebhookTransport()
        defer { transport.shutdown() }
        let receiver = HostileReceiver(.stallAfterHeaders)
        try await receiver.withRunning { running in
            let attempt = Task {
                try await Self.send(transport, to: "http://127.0.0.1:\(running.port)/hook", timeout: .seconds(60))
            }
            // The event itself, with a deadline a loaded CI machine cannot reach (the attempt's own is a minute).
            #expect(try await receiver.waitUntil(seconds: 50) { $0.accepted >= 1 }, "the attempt reached the receiver")
            attempt.cancel()
            let result = try await attempt.value
            #expect(result.outcome == .failed(.interrupted), "\(result.outcome)")
            #expect(try await receiver.waitUntilAllClosed(seconds: 50))
        }
    }
}
