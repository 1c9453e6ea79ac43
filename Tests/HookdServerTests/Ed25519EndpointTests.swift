import Foundation
import HookdServerTestSupport
import HookdVerify
import Hummingbird
import HummingbirdTesting
import Testing

/// ED25519 endpoints (SPEC §15) over real sockets, on both stores: the key pair made by hookd, its public keys
/// fetched over HTTP from `publicKeysUrl` and checked by independent code (PyPI's `cryptography`), the overlap of a
/// rotation, and no HMAC header.
@Suite struct Ed25519EndpointTests {
    /// Fetches the JWKS at `argv[1]` and checks each delivery named after it with every key, independently of
    /// hookd's code; prints one line per delivery: the `kid`s whose key verified it, sorted, or `none`.
    static let verifierScript = """
        from base64 import b64decode, urlsafe_b64decode
        from json import load
        from sys import argv
        from urllib.request import ProxyHandler, build_opener
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        # No proxy: the URL is hookd's own, on 127.0.0.1.
        with build_opener(ProxyHandler({})).open(argv[1]) as answer:
            jwks = load(answer)
        keys = {}
        for jwk in jwks["keys"]:
            assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519", jwk
            assert set(jwk) <= {"kty", "crv", "x", "kid", "use", "alg"}, "only public members"
            raw = urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
            keys[jwk["kid"]] = Ed25519PublicKey.from_public_bytes(raw)
        for path in argv[2:]:
            with open(path + ".body", "rb") as body, open(path + ".headers.json") as headers:
                body, headers = body.read(), {k.lower(): v for k, v in load(headers).items()}
            message = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
            valid = set()
            for entry in headers["webhook-signature"].split(" "):
                version, _, signature = entry.partition(",")
                for kid, key in keys.items():
                    try:
                        if version == "v1a":
                            key.verify(b64decode(signature), message)
                            valid.add(kid)
                    except InvalidSignature:
                        pass
            print(" ".join(sorted(valid)) or "none")
        """

    /// The `kid`s that verified each delivery, by Python with the JWKS fetched from `url`.
    static func verifyInPython(
        _ deliveries: [StandardWebhooksPython.Delivery],
        keysAt url: String
    ) async throws -> [String] {
        try await ScratchDirectory.with(prefix: "hookd-ed25519") { directory in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var paths: [String] = []
            for delivery in deliveries {
                let path = directory + "/delivery-\(UUID().uuidString)"
                try Data(delivery.body).write(to: URL(fileURLWithPath: path + ".body"))
                try JSONSerialization.data(withJSONObject: delivery.headers)
                    .write(to: URL(fileURLWithPath: path + ".headers.json"))
                paths.append(path)
            }
            let run = try await StandardWebhooksPython.python(["-c", verifierScript, url] + paths)
            #expect(
                run.status == 0,
                "python3 failed (pip install cryptography if it is missing): \(run.errors)"
            )
            return run.output.split(separator: "\n").map(String.init)
        }
    }

    @Test(arguments: Backend.all) func deliveriesVerifyWithTheKeysFetchedFromPublicKeysUrl(
        backend: Backend
    ) async throws {
        let receiver = TestReceiver()
        try await V3_20Endpoints.withSession(on: backend, receivers: [receiver]) { session in
            let (client, tenant) = (session.client, session.tenant)
            let created = try await client.json(
                "/api/v3.20/webhooks",
                method: .post,
                token: tenant.token,
                body: #"{"url":"\#(session.urls[0])","events":["CARD_FUNDED"],"signatureScheme":"ED25519"}"#
            )
            #expect(created.status == .created, "\(created.raw)")
            #expect(created.object["secret"] == nil, "an ED25519 endpoint has no secret")
            let publicKey = try #require(created.object["publicKey"] as? String, "\(created.raw)")
            let first = try WebhookPublicKey(publicKey)
            let id = try #require(created.data["webhookId"] as? String)
            #expect(created.data["signatureScheme"] as? String == "ED25519")
            let shownURL = try #require(created.data["publicKeysUrl"] as? String, "\(created.raw)")
            let path = try #require(
                shownURL.firstMatch(of: /^http:\/\/[0-9a-z.:\[\]]+(\/api\/v3\.20\/keys\/[0-9a-f]{64}\.json)$/)?.1,
                "\(shownURL)"
            )
            // Built on the request's Host, which the test client sends without the live server's port.
            let url = "http://127.0.0.1:\(try #require(client.port))\(path)"

            try await session.publish("card.funded")
            #expect(try await receiver.waitFor(count: 1))
            let delivery = try #require(receiver.received.first)
            #expect(delivery.header("X-Fyatu-Signature") == nil, "no HMAC header")
            let signature = try #require(delivery.header("webhook-signature"))
            #expect(signature.hasPrefix("v1a,") && !signature.contains("v1,"))
            #expect(delivery.header("X-Fyatu-Key-Id") == first.keyID)
            #expect(
                try await Self.verifyInPython([StandardWebhooksPython.Delivery(delivery)], keysAt: url) == [first.keyID]
            )

            let rotated = try await client.json(
                "/api/v3.20/webhooks/\(id)/secret/rotate",
                method: .post,
                token: tenant.token,
                body: #"{"overlapSeconds":3600}"#
            )
            #expect(rotated.status == .ok, "\(rotated.raw)")
            #expect(rotated.object["secret"] == nil)
            let second = try WebhookPublicKey(try #require(rotated.object["publicKey"] as? String, "\(rotated.raw)"))
            #expect(second != first)
            #expect(rotated.data["publicKeysUrl"] as? String == shownURL, "the URL stays")

            try await session.publish("card.funded", data: #"{"n":2}"#)
            #expect(try await receiver.waitFor(count: 2))
            let during = receiver.received[1]
            #expect(during.header("webhook-signature")?.split(separator: " ").count == 2)
            #expect(during.header("X-Fyatu-Key-Id") == second.keyID)
            #expect(during.header("X-Fyatu-Signature") == nil)
            // Under the overlap each key, fetched from the JWKS, verifies the delivery on its own.
            let kids = [first.keyID, second.keyID].sorted().joined(separator: " ")
            #expect(try await Self.verifyInPython([StandardWebhooksPython.Delivery(during)], keysAt: url) == [kids])

            for answer in [created.raw, rotated.raw] {
                #expect(!answer.contains(WebhookSigningKey.privateKeyPrefix), "no private key in any answer")
            }
            let logs = session.harness.logs.text
            #expect(logs.contains("webhook secret rotated"), "the logs were captured")
            #expect(!logs.contains(WebhookSigningKey.privateKeyPrefix), "nor in any log line")
            let shown = try await V3_20Endpoints.show(client, token: tenant.token, id: id)
            #expect(!shown.raw.contains(WebhookSigningKey.privateKeyPrefix) && shown.object["publicKey"] == nil)
            let unknown = try await client.json(
                "/api/v3.20/keys/\(String(repeating: "0", count: 64)).json",
                method: .get
            )
            #expect(unknown.status == .notFound)
        }
    }

    @Test(arguments: Backend.all) func anUnknownSchemeOrABroughtSecretIsRefused(backend: Backend) async throws {
        try await V3_20Endpoints.withSession(on: backend, receivers: [TestReceiver()]) { session in
            for extra in [#","signatureScheme":"RSA""#, #","signatureScheme":"ED25519","secret":"whsec_c2hvcnQ=""#] {
                let answer = try await session.client.json(
                    "/api/v3.20/webhooks",
                    method: .post,
                    token: session.tenant.token,
                    body: #"{"url":"\#(session.urls[0])","events":["CARD_FUNDED"]\#(extra)}"#
                )
                #expect(answer.status == .unprocessableContent, "\(answer.raw)")
            }
        }
    }
}
