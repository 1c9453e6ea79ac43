import Foundation
import HookdCore
import HookdDelivery
import HookdServerTestSupport
import HookdStore
import HookdTestSupport
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@testable import HookdServer

/// A transport that records every call; the guard must refuse before any reaches it.
final class RecordingTransport: WebhookTransport {
    let calls = Mutex<[String]>([])

    func send(
        _ webhook: OutgoingWebhook,
        to target: WebhookURLPolicy.CheckedURL,
        timeout: Duration
    ) async -> TransportResult {
        calls.withLock { $0.append(target.url) }
        return TransportResult(outcome: .answered(status: 200, retryAfter: nil), latency: .zero, responseBody: [])
    }
}

/// The SSRF guard at send time (SPEC §6): the URL is checked again before every attempt, and nothing is sent to a
/// forbidden address. No test here opens a connection to any address but 127.0.0.1.
@Suite struct SendTimeGuardTests {
    static let forbiddenURLs =
        [
            "https://127.0.0.1/h", "https://localhost/h", "https://[::1]/h", "https://10.0.0.1/h",
            "https://172.16.0.1/h",
            "https://192.168.1.1/h", "https://169.254.169.254/h", "https://100.64.0.1/h", "https://0.0.0.0/h",
            "https://[::ffff:127.0.0.1]/h", "https://[fe80::1]/h", "https://[fc00::1]/h", "https://2130706433/h",
            "https://0x7f.0.0.1/h",
        ] + forbiddenAddresses.map { "https://resolves-to-\(Self.label($0)).example.com/h" }

    static let forbiddenAddresses = [
        "127.0.0.1", "::1", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
        "::ffff:127.0.0.1", "fe80::1", "fc00::1",
    ]

    static func label(_ address: String) -> String {
        address.replacingOccurrences(of: ":", with: "-").replacingOccurrences(of: ".", with: "-")
    }

    static let resolver = FakeHostResolver(
        Dictionary(uniqueKeysWithValues: forbiddenAddresses.map { ("resolves-to-\(label($0)).example.com", [$0]) })
    )

    @Test(arguments: forbiddenURLs)
    func aStoredURLThatIsNowForbiddenIsRefusedWithoutConnecting(url: String) async throws {
        try await TestHarness.with { harness in
            let (app, _) = try await harness.createApp()
            let secret = WebhookSecret.generate()
            // Written straight to the store, as if the URL had passed an older check or the operator's switch was on.
            _ = try await harness.store.setWebhookURL(
                appID: app.id,
                url: url,
                initialSecret: SealedSecretChange(
                    sealedSecret: try harness.sealer.seal(
                        Array(secret.value.utf8),
                        purpose: SecretSealer.webhookSecretPurpose(appID: app.id)
                    ),
                    fingerprint: secret.fingerprint,
                    requestID: "req_test",
                    clientAddress: nil
                ),
                now: UnixSeconds(0)
            )
            let publisher = EventPublisher(store: harness.store, clock: harness.clock, signal: nil, attemptsAllowed: 4)
            _ = try await publisher.publish(appID: app.id, event: "card.created", data: Array("{}".utf8), eventID: nil)

            let transport = RecordingTransport()
            let attempter = DeliveryAttempter(
                store: harness.store,
                signers: SignerCache(sealer: harness.sealer),
                urlPolicy: WebhookURLPolicy(
                    allowHTTPTargets: false,
                    addressPolicy: AddressPolicy(),
                    resolver: Self.resolver
                ),
                transport: transport,
                retryPolicy: ScheduledRetryPolicy(DeliveryConfiguration()),
                clock: harness.clock,
                configuration: DeliveryConfiguration(),
                logger: harness.logs.logger()
            )
            let now = harness.clock.unixMillis
            let claims = try await harness.store.claimDueDeliveries(
                limit: 10,
                caps: ClaimCaps(perApp: 100, perEndpoint: 100),
                now: now,
                leaseUntil: now + .seconds(60)
            )
            let claim = try #require(claims.first)
            let report = await attempter.attempt(claim)

            guard case .failed(.forbiddenTarget) = report.outcome else {
                Issue.record("\(url) was not refused: \(report.outcome)")
                return
            }
            #expect(transport.calls.withLock { $0 }.isEmpty, "nothing may reach the transport")
            let detail = try #require(try await harness.store.delivery(appID: app.id, id: claim.id))
            #expect(detail.summary.status == .pending, "a refused attempt is retried on the schedule")
            #expect(detail.attempts.first?.error?.hasPrefix("target refused before connecting") == true)
        }
    }

    @Test func aNameThatRebindsToLoopbackAfterConfigurationIsRefusedAtSendTime() async throws {
        let resolver = MutableHostResolver(["rebind.example.com": ["93.184.215.14"]])
        var configured = try await TestHarness.forDeliveries {
            $0.allowPrivateTargets = false
        }
        configured.resolver = resolver
        try await configured.use { harness in
            let receiver = TestReceiver()
            try await receiver.withRunning { running in
                try await harness.withLiveServer { client in
                    let (app, key) = try await harness.createApp()
                    let token = try await client.token(for: app, key: key)
                    let url = "http://rebind.example.com:\(running.port)/hook"
                    #expect(
                        try await client.configure(url, token: token).status == .ok,
                        "at configuration the name is public"
                    )
                    resolver.set("rebind.example.com", to: ["127.0.0.1"])
                    _ = try await harness.publish("card.created", data: "{}", appID: app.id, client: client)
                    #expect(try await harness.waitForAttempts(1, client: client, token: token))
                    let id = try await client.onlyDeliveryID(token: token)
                    let detail = try await client.json("/api/v3/webhooks/deliveries/\(id)", method: .get, token: token)
                    let attempt = try #require((detail.data["attemptHistory"] as? [[String: Any]])?.first)
                    #expect((attempt["error"] as? String)?.contains("loopback") == true, "\(attempt)")
                    #expect(receiver.received.isEmpty, "the receiver on 127.0.0.1 was never contacted")
                }
            }
        }
    }
}
