import Foundation
import HookdCore
import HookdDelivery
import HookdServerTestSupport
import Hummingbird
import HummingbirdTesting
import NIOSSL
import Testing

@testable import HookdServer

/// The connection goes to an address the guard checked, whatever spelling the URL's host has (SPEC §6).
///
/// The pinned receiver listens on 127.0.0.2 and a trap on 127.0.0.1 at the same port: a connection made by
/// resolving the name again (the system resolver knows neither name; `localhost` is 127.0.0.1) would miss the
/// receiver, and any connection to the trap fails the test. Names resolve only through the test's table.
@Suite struct PinningTests {
    /// A receiver on 127.0.0.2 and a trap on 127.0.0.1, on one port.
    struct Targets {
        let receiver: HostileReceiver
        let trap: HostileReceiver
        let running: [HostileReceiver.Running]
        var port: Int { running[0].port }

        static func start(tls: NIOSSLContext? = nil) async throws -> Targets {
            for _ in 0..<10 {
                let receiver = HostileReceiver(.ok, tls: tls)
                let pinned = try await receiver.start(host: "127.0.0.2")
                let trap = HostileReceiver(.ok, tls: tls)
                if let trapped = try? await trap.start(host: "127.0.0.1", port: pinned.port) {
                    return Targets(receiver: receiver, trap: trap, running: [pinned, trapped])
                }
                await pinned.stop()
            }
            throw CancellationError()
        }

        func stop() async {
            for running in running { await running.stop() }
        }

        /// Runs `body` while the receiver and the trap serve, then stops them.
        static func withRunning(tls: NIOSSLContext? = nil, _ body: (Targets) async throws -> Void) async throws {
            let targets = try await start(tls: tls)
            try await runThenCleanUp {
                try await body(targets)
            } cleanUp: {
                await targets.stop()
            }
        }
    }

    /// Configures `url` for a new app, sends a test delivery, and returns the route's answer.
    static func sendTest(
        to url: String,
        resolving table: [String: [String]],
        trusting certificate: NIOSSLCertificate? = nil
    ) async throws -> JSONResponse {
        var harness = try TestHarness {
            $0.allowHTTPTargets = true
            $0.allowPrivateTargets = true
            if let certificate { $0.delivery.transport.tls.trustRoots = .certificates([certificate]) }
        }
        harness.resolver = FakeHostResolver(table)
        return try await harness.use { configured in
            try await configured.withClient { client in
                let (app, key) = try await configured.createApp()
                let token = try await client.token(for: app, key: key)
                let set = try await client.configure(url, token: token)
                #expect(set.status == .ok, "\(set.raw)")
                return try await client.json("/api/v3/webhooks/test", method: .post, token: token)
            }
        }
    }

    @Test(arguments: ["ReBind.Hookd.TEST.", "REBIND.HOOKD.TEST", "rebind.hookd.test."])
    func everySpellingOfANameConnectsOnlyToItsCheckedAddress(host: String) async throws {
        try await Targets.withRunning { targets in
            let answer = try await Self.sendTest(
                to: "http://\(host):\(targets.port)/hook?x=1",
                resolving: ["rebind.hookd.test": ["127.0.0.2"]]
            )
            #expect(answer.status == .ok, "\(answer.raw)")
            let request = try #require(targets.receiver.receivedRequests.first)
            #expect(request.hasPrefix("POST /hook?x=1 HTTP/1.1\r\n"))
            #expect(request.contains("\r\nHost: rebind.hookd.test:\(targets.port)\r\n"), "\(request)")
            #expect(targets.trap.connectionCounts.accepted == 0, "nothing reached 127.0.0.1")
        }
    }

    @Test func anInternationalNameIsResolvedAndSentInItsASCIIForm() async throws {
        try await Targets.withRunning { targets in
            let answer = try await Self.sendTest(
                to: "http://Bücher.Hookd.Test:\(targets.port)/hook",
                resolving: ["xn--bcher-kva.hookd.test": ["127.0.0.2"]]
            )
            #expect(answer.status == .ok, "\(answer.raw)")
            let request = try #require(targets.receiver.receivedRequests.first)
            #expect(request.contains("\r\nHost: xn--bcher-kva.hookd.test:\(targets.port)\r\n"), "\(request)")
            #expect(targets.trap.connectionCounts.accepted == 0)
        }
    }

    @Test(arguments: ["0x7f.0.0.2", "0177.0.0.2", "127.2", "2130706434"])
    func aLegacyIPv4LiteralConnectsToTheAddressItNames(host: String) async throws {
        try await Targets.withRunning { targets in
            let answer = try await Self.sendTest(to: "http://\(host):\(targets.port)/hook", resolving: [:])
            #expect(answer.status == .ok, "\(answer.raw)")
            let request = try #require(targets.receiver.receivedRequests.first)
            #expect(request.contains("\r\nHost: 127.0.0.2:\(targets.port)\r\n"), "\(request)")
            #expect(targets.trap.connectionCounts.accepted == 0)
        }
    }

    @Test func whenTheFirstCheckedAddressRefusesTheNextIsTried() async throws {
        try await Targets.withRunning { targets in
            // Nothing listens on [::1] at this port: the IPv6 address comes first, is refused, and IPv4 follows.
            let answer = try await Self.sendTest(
                to: "http://two.hookd.test:\(targets.port)/hook",
                resolving: ["two.hookd.test": ["::1", "127.0.0.2"]]
            )
            #expect(answer.status == .ok, "\(answer.raw)")
            #expect(targets.receiver.receivedRequests.count == 1)
            #expect(targets.trap.connectionCounts.accepted == 0)
        }
    }

    @Test(.enabled(if: TestCertificate.openssl != nil, "the openssl command is not installed"))
    func tlsSendsAndVerifiesTheCanonicalName() async throws {
        let certificate = try TestCertificate.make(for: "hooks.hookd.test")
        try await Targets.withRunning(tls: try certificate.serverContext()) { targets in
            let table = ["hooks.hookd.test": ["127.0.0.2"], "other.hookd.test": ["127.0.0.2"]]

            let answer = try await Self.sendTest(
                to: "https://HOOKS.Hookd.Test.:\(targets.port)/hook",
                resolving: table,
                trusting: certificate.certificate
            )
            #expect(answer.status == .ok, "\(answer.raw)")
            #expect(targets.receiver.receivedRequests.count == 1)

            let mismatch = try await Self.sendTest(
                to: "https://other.hookd.test:\(targets.port)/hook",
                resolving: table,
                trusting: certificate.certificate
            )
            #expect(mismatch.errorCode == "WEBHOOK_DELIVERY_FAILED", "\(mismatch.raw)")
            let detail = mismatch.error["detail"] as? String ?? ""
            #expect(detail.contains("TLS failed"), "\(detail)")
            #expect(
                targets.receiver.receivedRequests.count == 1,
                "nothing sent to a name the certificate does not hold"
            )
            #expect(targets.trap.connectionCounts.accepted == 0)
        }
    }
}
