import Foundation
import HookdCore
import HookdServerTestSupport
import Testing

/// `hookd publish` and `hookd verify` as scripts use them.
@Suite struct PublishAndVerifyCommandTests {
    @Test func publishStoresAnEventAndRefusesBadOnesClearly() async throws {
        try await ScratchDirectory.with(prefix: "hookd-publish") { directory in
            let app = try await ScratchDirectory.createApp(named: "p", in: directory)
            let appID = try #require(app["appId"])
            let eventID = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"

            let published = try await ChildProcess.run(
                [
                    "publish", "--app", appID, "--event", "card.created", "--data", #"{ "cardId": "c1" }"#,
                    "--event-id",
                    eventID, "--data-dir", directory,
                ])
            #expect(published.status == 0, "\(published.stderr)")
            #expect(
                published.stdout.wholeMatch(
                    of:
                        #/\{"eventId":"1b4e28ba-2fa1-41d2-883f-0016d3cca427","deliveryId":"dlv_[0-9a-f]{24}","created":true\}\n/#
                ) != nil,
                "\(published.stdout)"
            )
            let again = try await ChildProcess.run(
                [
                    "publish", "--app", appID, "--event", "card.created", "--data", "{}", "--event-id", eventID,
                    "--data-dir", directory,
                ])
            #expect(again.stdout.contains(#""created":false"#))

            for (arguments, message) in [
                (["--event", "card.exploded", "--data", "{}"], "not an event of this app's catalogue"),
                (["--event", "card.created", "--data", "[]"], "--data must be a JSON object"),
                (["--event", "card.created", "--data", "{}", "--event-id", "x"], "--event-id must be a UUID"),
            ] {
                let refused = try await ChildProcess.run(
                    ["publish", "--app", appID] + arguments + ["--data-dir", directory]
                )
                #expect(refused.status != 0)
                #expect(refused.stderr.contains(message), "\(refused.stderr)")
            }
            let unknown = try await ChildProcess.run(
                [
                    "publish", "--app", "NOSUCHAPP0000000", "--event", "card.created", "--data", "{}", "--data-dir",
                    directory,
                ])
            #expect(unknown.stderr.contains("no app has this id"))
        }
    }

    /// A delivery signed with the spec's formulas in this test, as `hookd verify` receives it.
    ///
    /// - Parameters:
    ///   - standardWebhooks: Whether to add `webhook-signature`, which needs a `whsec_` + base64 secret.
    static func delivery(
        secret: String,
        timestamp: Int64,
        standardWebhooks: Bool = true
    ) -> (body: [UInt8], headers: [String]) {
        let data = Array(#"{"amount":"9.99"}"#.utf8)
        let id = "0f8fad5b-d9cb-469f-a165-70867728950e"
        let body =
            Array(
                #"{"event":"card.funded","version":"3.0","eventId":"\#(id)","sign":"\#(SpecSignatures.v3(secret: secret, data: data))","data":"#
                    .utf8
            ) + data + Array("}".utf8)
        var headers = [
            "X-Fyatu-Signature: \(SpecSignatures.fyatu(secret: secret, timestamp: String(timestamp), body: body))",
            "webhook-id: \(id)", "webhook-timestamp: \(timestamp)",
        ]
        if standardWebhooks {
            headers.append(
                "webhook-signature: \(SpecSignatures.standard(secret: secret, id: id, timestamp: String(timestamp), body: body))"
            )
        }
        return (body, headers)
    }

    @Test func verifyAcceptsAGoodDeliveryAndExplainsABadOne() async throws {
        let secret = WebhookSecret.generate().value
        let now = Int64(Date().timeIntervalSince1970)
        let (body, headers) = Self.delivery(secret: secret, timestamp: now)
        let headerArguments = headers.flatMap { ["--header", $0] }

        let valid = try await ChildProcess.run(["verify", "--secret", secret] + headerArguments, input: body)
        #expect(valid.status == 0, "\(valid.stdout) \(valid.stderr)")
        #expect(valid.stdout == "valid (v3, x-fyatu-signature, standard-webhooks)\n")
        let fromEnvironment = try await ChildProcess.run(
            ["verify"] + headerArguments,
            environment: ["HOOKD_SECRET": secret],
            input: body
        )
        #expect(fromEnvironment.status == 0)

        var tampered = body
        tampered[tampered.count - 3] = UInt8(ascii: "8")
        let invalid = try await ChildProcess.run(["verify", "--secret", secret] + headerArguments, input: tampered)
        #expect(invalid.status == 1)
        #expect(invalid.stdout.hasPrefix("invalid: "))
        #expect(!invalid.stdout.contains(secret.dropFirst(6)))

        let wrongSecret = try await ChildProcess.run(
            ["verify", "--secret", WebhookSecret.generate().value] + headerArguments,
            input: body
        )
        #expect(wrongSecret.status == 1)

        let (oldBody, oldHeaders) = Self.delivery(secret: secret, timestamp: now - 3600)
        let stale = try await ChildProcess.run(
            ["verify", "--secret", secret] + oldHeaders.flatMap { ["--header", $0] },
            input: oldBody
        )
        #expect(stale.status == 1)
        #expect(stale.stdout.contains("invalid: "))
        let tolerant = try await ChildProcess.run(
            ["verify", "--secret", secret, "--tolerance", "7200"] + oldHeaders.flatMap { ["--header", $0] },
            input: oldBody
        )
        #expect(tolerant.status == 0)
    }

    /// SPEC §11: a bare secret (64 hex digits, no prefix) checks the v3 `sign` and `X-Fyatu-Signature`; a
    /// `webhook-signature` it cannot check makes the delivery invalid, with a reason that says so.
    @Test func verifyTakesABareHexSecretAndNamesWhatItCannotCheck() async throws {
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let now = Int64(Date().timeIntervalSince1970)
        let (body, headers) = Self.delivery(secret: secret, timestamp: now, standardWebhooks: false)
        let headerArguments = headers.flatMap { ["--header", $0] }

        let valid = try await ChildProcess.run(["verify", "--secret", secret] + headerArguments, input: body)
        #expect(valid.status == 0, "\(valid.stdout) \(valid.stderr)")
        #expect(valid.stdout == "valid (v3, x-fyatu-signature)\n")

        let withStandard = try await ChildProcess.run(
            ["verify"] + headerArguments + ["--header", "webhook-signature: v1,c2lnbmVkIGVsc2V3aGVyZQ=="],
            environment: ["HOOKD_SECRET": secret],
            input: body
        )
        #expect(withStandard.status == 1)
        #expect(withStandard.stdout.hasPrefix("invalid: the webhook secret cannot check standard-webhooks signatures"))
        #expect(!withStandard.stdout.contains(secret))

        let otherSecret = try await ChildProcess.run(
            ["verify", "--secret", "whsec_" + secret] + headerArguments,
            input: body
        )
        #expect(otherSecret.status == 1, "whsec_ + the same hex is another secret")
    }

    /// SPEC §15: an ED25519 endpoint's delivery verifies with its public key (`--public-key whpk_…`), once per key
    /// in force; another key is invalid. The key and signature are RFC 8032's first test seed's, signed by Python's
    /// `cryptography` at 2026-01-01T00:00:00Z (hence the wide tolerance).
    @Test func verifyTakesPublicKeys() async throws {
        let publicKey = "whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
        let otherKey = "whpk_PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw="
        let signature =
            "v1a,sSlrIU52fJKT+uz+oCsNXBshYnKJMQHL0Ahg9VNJuvx7vDtxnSJeRfFlQBWtzhY7SfXrkZUj699d6+KP6Q9bCw=="
        let body = Array(#"{"event":"CARD_FUNDED","eventId":"evt_1","data":{"cardId":"crd_1"}}"#.utf8)
        let headers = ["webhook-id: evt_1", "webhook-timestamp: 1767225600", "webhook-signature: \(signature)"]
        let arguments = ["--tolerance", "1000000000"] + headers.flatMap { ["--header", $0] }

        let valid = try await ChildProcess.run(
            ["verify", "--public-key", otherKey, "--public-key", publicKey] + arguments,
            input: body
        )
        #expect(valid.status == 0, "\(valid.stdout) \(valid.stderr)")
        #expect(valid.stdout == "valid (standard-webhooks)\n")

        let wrongKey = try await ChildProcess.run(["verify", "--public-key", otherKey] + arguments, input: body)
        #expect(wrongKey.status == 1)
        #expect(wrongKey.stdout.hasPrefix("invalid: no matching standard-webhooks signature"))

        let malformed = try await ChildProcess.run(["verify", "--public-key", "whpk_AAAA"] + arguments, input: body)
        #expect(malformed.status == 1)
        #expect(malformed.stdout.hasPrefix("invalid: invalid public key"))
    }
}
