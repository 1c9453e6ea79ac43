import Foundation
import HTTPTypes
import HookdBench
import HookdCore
import HookdServerTestSupport
import Testing

@testable import HookdServer

/// hookd's deliveries checked by someone else's verifier: the `standardwebhooks` package from PyPI, run in `python3`.
///
/// The deliveries are made by a live hookd with its dispatcher, captured by a `TestReceiver`, written to a temporary
/// directory and verified by a Python subprocess with the same `whsec_` secret. No network is used.
@Suite struct StandardWebhooksInteropTests {
    @Test func theReferenceVerifierAcceptsHookdDeliveriesAndRejectsTamperedOnes() async throws {
        try await TestHarness.withRealTime { harness in
            try await StandardWebhooksPython.requireStandardWebhooks()
            let receiver = TestReceiver()
            try await harness.withSubscriber(to: receiver) { client, subscriber in
                let published = [
                    ("card.funded", #"{"cardId":"crd_1","amount":"25.00","currency":"USD"}"#),
                    // Escapes in the published JSON become raw UTF-8 in the delivery; numbers keep their spelling.
                    (
                        "card.transaction.approved",
                        #"{ "merchant" : "Caf\u00e9 Z\u00fcrich \/ \ud83c\udf55 \"quoted\"", "amount" : 1.50, "fx" : 1e3 }"#
                    ),
                    ("cardholder.created", #"{"name":"Ngozi Okonkwo-Ṣàngó","note":"日本語 \\ tab\t","list":[]}"#),
                ]
                for (event, data) in published {
                    let response = try await harness.publish(
                        event,
                        data: data,
                        appID: subscriber.app.id,
                        client: client
                    )
                    #expect(response.status == .accepted, "\(response.raw)")
                }
                let test = try await client.sendTestDelivery(token: subscriber.token)
                #expect(test.status == .ok, "\(test.raw)")
                #expect(try await receiver.waitFor(count: published.count + 1))
                let deliveries = receiver.received.map(StandardWebhooksPython.Delivery.init)
                #expect(deliveries.contains { String(decoding: $0.body, as: UTF8.self).contains("Café Zürich / 🍕") })

                let accepted = try await StandardWebhooksPython.verifyInPython(
                    deliveries,
                    secret: subscriber.secret,
                    in: harness.directory
                )
                #expect(accepted == Array(repeating: "valid", count: deliveries.count))

                // Tampered bodies with the original headers, and every delivery under another secret.
                let unicode = try #require(
                    deliveries.first { String(decoding: $0.body, as: UTF8.self).contains("Café") }
                )
                let text = String(decoding: unicode.body, as: UTF8.self)
                let tampered = [
                    unicode.with(body: text.replacingOccurrences(of: "1.50", with: "1.5")),
                    unicode.with(body: text.replacingOccurrences(of: "Café", with: #"Caf\u00e9"#)),
                    unicode.with(body: text + "\n"),
                ]
                let refused = try await StandardWebhooksPython.verifyInPython(
                    tampered,
                    secret: subscriber.secret,
                    in: harness.directory
                )
                #expect(refused == Array(repeating: "rejected: No matching signature found", count: tampered.count))
                let otherSecret =
                    "whsec_" + String((0..<32).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! })
                let underOther = try await StandardWebhooksPython.verifyInPython(
                    deliveries,
                    secret: otherSecret,
                    in: harness.directory
                )
                #expect(
                    underOther == Array(repeating: "rejected: No matching signature found", count: deliveries.count)
                )
            }
        }
    }

    @Test func aRetryAfterARegenerationVerifiesWithTheNewSecretAndNotTheOld() async throws {
        try await TestHarness.withRealTime { harness in
            try await StandardWebhooksPython.requireStandardWebhooks()
            let receiver = TestReceiver(script: [.status(500)], fallback: .status(200))
            try await harness.withSubscriber(to: receiver) { client, subscriber in
                _ = try await harness.publish(
                    data: #"{"amount":"1.00","memo":"€ — ✓"}"#,
                    appID: subscriber.app.id,
                    client: client
                )
                #expect(try await receiver.waitFor(count: 1))
                #expect(try await harness.waitForAttempts(1, client: client, token: subscriber.token))
                let regenerated = try await client.json(
                    "/api/v3/webhooks/secret/regenerate",
                    method: .post,
                    token: subscriber.token
                )
                let newSecret = try #require(regenerated.data["webhookSecret"] as? String, "\(regenerated.raw)")
                #expect(newSecret != subscriber.secret)
                harness.clock.advance(by: 60)
                #expect(try await receiver.waitFor(count: 2))
                let first = StandardWebhooksPython.Delivery(receiver.received[0])
                let retry = StandardWebhooksPython.Delivery(receiver.received[1])
                #expect(first.headers["webhook-id"] == retry.headers["webhook-id"])
                #expect(first.body != retry.body, "the retry's v3 sign is made with the new secret")

                let directory = harness.directory
                #expect(
                    try await StandardWebhooksPython.verifyInPython([first], secret: subscriber.secret, in: directory)
                        == ["valid"]
                )
                #expect(
                    try await StandardWebhooksPython.verifyInPython([retry], secret: newSecret, in: directory) == [
                        "valid"
                    ]
                )
                let rejected = ["rejected: No matching signature found"]
                #expect(
                    try await StandardWebhooksPython.verifyInPython([retry], secret: subscriber.secret, in: directory)
                        == rejected
                )
                #expect(
                    try await StandardWebhooksPython.verifyInPython([first], secret: newSecret, in: directory)
                        == rejected
                )
            }
        }
    }
}
