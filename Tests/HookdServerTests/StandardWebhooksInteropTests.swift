import Foundation
import HTTPTypes
import HookdBench
import HookdCore
import Testing

@testable import HookdServer

/// hookd's deliveries checked by someone else's verifier: the `standardwebhooks` package from PyPI, run in `python3`.
///
/// The deliveries are made by a live hookd with its dispatcher, captured by a `TestReceiver`, written to a temporary
/// directory and verified by a Python subprocess with the same `whsec_` secret. No network is used.
@Suite struct StandardWebhooksInteropTests {
    /// Verifies each delivery named on the command line with the secret from the environment; one line per delivery.
    static let verifierScript = """
        from json import load
        from os import environ
        from sys import argv
        from standardwebhooks import Webhook, WebhookVerificationError
        webhook = Webhook(environ["HOOKD_INTEROP_SECRET"])
        for path in argv[1:]:
            with open(path + ".body", "rb") as body, open(path + ".headers.json") as headers:
                try:
                    webhook.verify(body.read(), load(headers))
                    print("valid")
                except WebhookVerificationError as error:
                    print("rejected: " + str(error))
        """

    /// A delivery as it arrived: the raw body and the headers.
    struct Delivery {
        let body: [UInt8]
        let headers: [String: String]

        init(_ received: TestReceiver.Received) {
            body = received.body
            var headers: [String: String] = [:]
            for field in received.headers {
                let name = field.name.canonicalName
                headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
            }
            self.headers = headers
        }

        init(body: [UInt8], headers: [String: String]) {
            self.body = body
            self.headers = headers
        }

        /// The same headers with another body.
        func with(body: String) -> Delivery { Delivery(body: Array(body.utf8), headers: headers) }
    }

    /// What `python3` printed and how it ended.
    struct Run {
        let status: Int32
        let output: String
        let errors: String
    }

    /// Runs `python3` with `arguments` and `environment` added, waiting without blocking a thread.
    static func python(_ arguments: [String], environment: [String: String] = [:]) async throws -> Run {
        let process = try SpawnedProcess(
            executable: "/usr/bin/env",
            arguments: ["python3"] + arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }
        )
        let status = try #require(try await process.waitForExit(seconds: 120), "python3 did not finish in 120 s")
        return Run(status: status, output: process.standardOutput, errors: process.standardError)
    }

    /// Fails the test, saying how to fix it, when `python3` or the `standardwebhooks` package is missing.
    static func requireStandardWebhooks() async throws {
        let run = try await python(["-c", "import standardwebhooks"])
        try #require(
            run.status == 0,
            """
            these tests verify hookd's deliveries with the Standard Webhooks package from PyPI, which python3 \
            cannot import: run `pip install standardwebhooks` (\(run.errors.split(separator: "\n").last ?? ""))
            """
        )
    }

    /// Verifies `deliveries` with `secret` in Python; one result per delivery: `valid` or `rejected: <reason>`.
    static func verifyInPython(_ deliveries: [Delivery], secret: String, in directory: URL) async throws -> [String] {
        var paths: [String] = []
        for delivery in deliveries {
            let path = directory.appendingPathComponent("delivery-\(UUID().uuidString)").path
            try Data(delivery.body).write(to: URL(fileURLWithPath: path + ".body"))
            try JSONSerialization.data(withJSONObject: delivery.headers)
                .write(to: URL(fileURLWithPath: path + ".headers.json"))
            paths.append(path)
        }
        let run = try await python(
            ["-c", verifierScript] + paths,
            environment: ["HOOKD_INTEROP_SECRET": secret]
        )
        #expect(run.status == 0, "python3 failed: \(run.errors)")
        let lines = run.output.split(separator: "\n").map(String.init)
        #expect(lines.count == deliveries.count, "python3 printed \(run.output), errors: \(run.errors)")
        return lines
    }

    /// A harness whose clock reads the real time: the Python verifier checks timestamps against the system clock.
    static func harness() async throws -> TestHarness {
        let harness = try await TestHarness.forDeliveries()
        harness.clock.advance(by: Date().timeIntervalSince(harness.clock.now))
        return harness
    }

    @Test func theReferenceVerifierAcceptsHookdDeliveriesAndRejectsTamperedOnes() async throws {
        let harness = try await Self.harness()
        defer { harness.removeFiles() }
        try await Self.requireStandardWebhooks()
        let receiver = TestReceiver()
        let running = try await receiver.start()
        defer { Task { await running.stop() } }
        try await harness.withLiveServer { client in
            let subscriber = try await DeliveryEndToEndTests.subscribe(harness, client: client, url: running.url)
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
                let response = try await client.publish(
                    appID: subscriber.app.id,
                    event: event,
                    data: data,
                    operatorKey: harness.operatorKey
                )
                #expect(response.status == .accepted, "\(response.raw)")
            }
            let test = try await client.json(
                "/api/v3/webhooks/test",
                method: .post,
                token: subscriber.token,
                body: #"{"event":"card.transaction.approved"}"#
            )
            #expect(test.status == .ok, "\(test.raw)")
            #expect(try await receiver.waitFor(count: published.count + 1))
            let deliveries = receiver.received.map(Delivery.init)
            #expect(deliveries.contains { String(decoding: $0.body, as: UTF8.self).contains("Café Zürich / 🍕") })

            let accepted = try await Self.verifyInPython(deliveries, secret: subscriber.secret, in: harness.directory)
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
            let refused = try await Self.verifyInPython(tampered, secret: subscriber.secret, in: harness.directory)
            #expect(refused == Array(repeating: "rejected: No matching signature found", count: tampered.count))
            let otherSecret =
                "whsec_" + String((0..<32).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! })
            let underOther = try await Self.verifyInPython(deliveries, secret: otherSecret, in: harness.directory)
            #expect(underOther == Array(repeating: "rejected: No matching signature found", count: deliveries.count))
        }
    }

    @Test func aRetryAfterARegenerationVerifiesWithTheNewSecretAndNotTheOld() async throws {
        let harness = try await Self.harness()
        defer { harness.removeFiles() }
        try await Self.requireStandardWebhooks()
        let receiver = TestReceiver(script: [.status(500)], fallback: .status(200))
        let running = try await receiver.start()
        defer { Task { await running.stop() } }
        try await harness.withLiveServer { client in
            let subscriber = try await DeliveryEndToEndTests.subscribe(harness, client: client, url: running.url)
            _ = try await client.publish(
                appID: subscriber.app.id,
                event: "card.funded",
                data: #"{"amount":"1.00","memo":"€ — ✓"}"#,
                operatorKey: harness.operatorKey
            )
            #expect(try await receiver.waitFor(count: 1))
            #expect(try await DeliveryEndToEndTests.waitForAttempts(1, harness, client, token: subscriber.token))
            let regenerated = try await client.json(
                "/api/v3/webhooks/secret/regenerate",
                method: .post,
                token: subscriber.token
            )
            let newSecret = try #require(regenerated.data["webhookSecret"] as? String, "\(regenerated.raw)")
            #expect(newSecret != subscriber.secret)
            harness.clock.advance(by: 60)
            #expect(try await receiver.waitFor(count: 2))
            let first = Delivery(receiver.received[0])
            let retry = Delivery(receiver.received[1])
            #expect(first.headers["webhook-id"] == retry.headers["webhook-id"])
            #expect(first.body != retry.body, "the retry's v3 sign is made with the new secret")

            let directory = harness.directory
            #expect(try await Self.verifyInPython([first], secret: subscriber.secret, in: directory) == ["valid"])
            #expect(try await Self.verifyInPython([retry], secret: newSecret, in: directory) == ["valid"])
            let rejected = ["rejected: No matching signature found"]
            #expect(try await Self.verifyInPython([retry], secret: subscriber.secret, in: directory) == rejected)
            #expect(try await Self.verifyInPython([first], secret: newSecret, in: directory) == rejected)
        }
    }
}
