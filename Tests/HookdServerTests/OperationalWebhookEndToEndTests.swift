import Foundation
import HTTPTypes
import HookdCore
import HookdDelivery
import HookdServerTestSupport
import HookdStore
import Testing

@testable import HookdServer

/// The operational webhooks over real sockets (SPEC §14): an endpoint that fails every attempt is warned about, then
/// disabled, then enabled in one step with what failed queued again; each notice reaches the app's listening endpoint
/// and the operator's webhook once, never the endpoint concerned; the operator's copies verify with the PyPI
/// `standardwebhooks` package and `hookd operator-webhook-secret`'s secret.
@Suite struct OperationalWebhookEndToEndTests {
    static let operational = [
        "WEBHOOK_ENDPOINT_FAILING", "WEBHOOK_ENDPOINT_DISABLED", "WEBHOOK_ENDPOINT_ENABLED",
        "WEBHOOK_DELIVERY_EXHAUSTED",
    ]

    @Test(arguments: Backend.all) func aFailingEndpointIsWarnedDisabledAndEnabledWithItsFailuresQueuedAgain(
        backend: Backend
    ) async throws {
        try await StandardWebhooksPython.requireStandardWebhooks()
        let (listener, failing, operatorReceiver) = (
            TestReceiver(), TestReceiver(fallback: .status(500)), TestReceiver()
        )
        try await TestReceiver.withRunning([listener, failing, operatorReceiver]) { started in
            try await TestHarness.withDeliveries(on: backend) { configuration in
                // One attempt each, so that every failure exhausts its delivery at once.
                configuration.delivery.endpointRetrySchedule = []
                configuration.operatorWebhookURL = started[2].url
            } _: { harness in
                // The Standard Webhooks library checks timestamps against the real time.
                harness.clock.advance(by: Date().timeIntervalSince(harness.clock.now))
                try await harness.withLiveServer { client in
                    let tenant = try await V3_20Endpoints.tenant(harness, client: client)
                    let watcher = try await tenant.createEndpoint(client, url: started[0].url, events: Self.operational)
                    let flaky = try await tenant.createEndpoint(
                        client,
                        url: started[1].url,
                        events: ["CARD_FUNDED"] + Self.operational
                    )
                    let publish = {
                        let published = try await client.publish(
                            appID: tenant.app.id,
                            event: "card.funded",
                            data: #"{"n":1}"#,
                            operatorKey: harness.operatorKey
                        )
                        #expect(published.status == .accepted, "\(published.raw)")
                    }
                    func events(_ receiver: TestReceiver, from index: Int = 0) -> [String] {
                        receiver.received.dropFirst(index).compactMap { $0.header("X-Fyatu-Event") }
                    }
                    // Before the clock jumps, every attempt is recorded: a lease the clock outran would be given
                    // back and its delivery sent again (at least once).
                    let settle = {
                        let settled = try await Self.settled(
                            harness.store,
                            apps: [tenant.app.id, OperatorWebhook.appID]
                        )
                        #expect(settled)
                    }

                    // 1. A failure exhausts its delivery: told to the watcher and the operator, not to itself.
                    try await publish()
                    #expect(try await listener.waitFor(count: 1))
                    #expect(try await operatorReceiver.waitFor(count: 1))
                    #expect(events(listener) == ["WEBHOOK_DELIVERY_EXHAUSTED"])
                    let secret = try await ServerSecrets.operatorWebhookSecret(
                        store: harness.store,
                        sealer: harness.sealer
                    )
                    let verdicts = try await StandardWebhooksPython.verifyInPython(
                        operatorReceiver.received.map(StandardWebhooksPython.Delivery.init),
                        secret: secret.value,
                        in: harness.directory
                    )
                    #expect(verdicts == ["valid"], "the operator's copy verifies with the operator's secret")
                    let copy = String(decoding: operatorReceiver.received[0].body, as: UTF8.self)
                    #expect(copy.contains(#""appId":"\#(tenant.app.id)""#), "\(copy)")
                    let failingSince = try #require(
                        try await V3_20Endpoints.show(client, token: tenant.token, id: flaky.id)
                            .data["failingSince"] as? String
                    )
                    let shown = try await V3_20Endpoints.show(client, token: tenant.token, id: flaky.id)
                    #expect(shown.data["disableAt"] as? String != nil, "\(shown.raw)")

                    try await settle()
                    // 2. Past --endpoint-warn-after (24 h), the next failure warns, once.
                    harness.clock.advance(by: 25 * 3_600)
                    try await publish()
                    #expect(try await listener.waitFor(count: 3))
                    #expect(
                        Set(events(listener, from: 1)) == ["WEBHOOK_ENDPOINT_FAILING", "WEBHOOK_DELIVERY_EXHAUSTED"]
                    )
                    let warning = try #require(
                        listener.received.first { $0.header("X-Fyatu-Event") == "WEBHOOK_ENDPOINT_FAILING" }
                    )
                    _ = try V3_20Endpoints.verify(warning, secret: watcher.secret, at: harness.clock)
                    let warningBody = String(decoding: warning.body, as: UTF8.self)
                    // Data timestamps are written as v3's are, `+00:00`; the API's as v3.20's, `Z`.
                    let since = failingSince.replacingOccurrences(of: "Z", with: "+00:00")
                    #expect(warningBody.contains(#""failingSince":"\#(since)""#), "\(warningBody)")

                    try await settle()
                    // 3. Past the disable period (5 days), the next failure disables it.
                    harness.clock.advance(by: 5 * 86_400)
                    try await publish()
                    #expect(try await listener.waitFor(count: 5))
                    #expect(
                        events(listener).sorted() == [
                            "WEBHOOK_DELIVERY_EXHAUSTED", "WEBHOOK_DELIVERY_EXHAUSTED", "WEBHOOK_DELIVERY_EXHAUSTED",
                            "WEBHOOK_ENDPOINT_DISABLED", "WEBHOOK_ENDPOINT_FAILING",
                        ]
                    )
                    // The token has expired with the days gone by; the app's key serves as the bearer.
                    let key = tenant.key.value
                    let disabled = try await V3_20Endpoints.show(client, token: key, id: flaky.id)
                    #expect(disabled.data["status"] as? String == "DISABLED")
                    #expect(disabled.data["disabledReason"] as? String == "FAILING")
                    #expect(disabled.data["disableAt"] is NSNull)

                    // 4. Enabled in one step, with the three failed deliveries queued again; told once.
                    failing.answer(with: .status(200))
                    let enabled = try await client.json(
                        "/api/v3.20/webhooks/\(flaky.id)/enable",
                        method: .post,
                        token: key,
                        body: #"{"recoverFailed":true}"#
                    )
                    #expect(enabled.status == .ok, "\(enabled.raw)")
                    #expect(enabled.data["queued"] as? Int == 3, "\(enabled.raw)")
                    // Since the failures began, less the retry schedule (none here) and a minute.
                    let recoveredSince = try #require(enabled.data["recoveredSince"] as? String)
                    #expect(recoveredSince < failingSince, "\(recoveredSince)")
                    #expect((enabled.data["webhook"] as? [String: Any])?["status"] as? String == "ACTIVE")
                    #expect(try await failing.waitFor(count: 6), "the three failed deliveries go out again")
                    #expect(try await listener.waitFor(count: 6))
                    #expect(events(listener).filter { $0 == "WEBHOOK_ENDPOINT_ENABLED" }.count == 1)

                    // The operator heard of every notice, once each; the endpoint concerned of none.
                    #expect(try await operatorReceiver.waitFor(count: 6))
                    #expect(
                        events(operatorReceiver).sorted() == [
                            "WEBHOOK_DELIVERY_EXHAUSTED", "WEBHOOK_DELIVERY_EXHAUSTED", "WEBHOOK_DELIVERY_EXHAUSTED",
                            "WEBHOOK_ENDPOINT_DISABLED", "WEBHOOK_ENDPOINT_ENABLED", "WEBHOOK_ENDPOINT_FAILING",
                        ]
                    )
                    #expect(Set(events(failing)) == ["CARD_FUNDED"], "never told about itself")
                }
            }
        }
    }

    /// Whether, within 20 s, none of `apps`' deliveries is pending (each of this suite's deliveries has one attempt).
    static func settled(_ store: any Store, apps: [AppID]) async throws -> Bool {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let counts = try await store.pendingDeliveryCounts()
            let pending = apps.reduce(0) { $0 + (counts[$1] ?? 0) }
            if pending == 0 { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}
