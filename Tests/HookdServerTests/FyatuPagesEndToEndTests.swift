import Crypto
import Foundation
import HTTPTypes
import HookdCore
import HookdServerTestSupport
import HummingbirdTesting
import Testing

@testable import HookdServer

/// A client written from `FYATU-V3.20.md` alone (the routes, fields, codes and signature of Fyatu's v3.20 pages), not
/// from hookd's code, over real sockets to receivers on 127.0.0.1. The signature is checked by the pages' own
/// formula, computed here with swift-crypto, and that formula by the computed vector of §4.3.
@Suite struct FyatuPagesEndToEndTests {
    /// `X-Fyatu-Signature`'s `v1` by §4.3: HMAC-SHA256 keyed with the 64 ASCII hex characters of SHA-256(secret),
    /// over `t` + "." + the raw body.
    static func fyatuV1(secret: String, timestamp: String, body: [UInt8]) -> String {
        let signingKey = SHA256.hash(data: Array(secret.utf8)).map { String(format: "%02x", $0) }.joined()
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array((timestamp + ".").utf8) + body,
            using: SymmetricKey(data: Array(signingKey.utf8))
        )
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    @Test func theComputedVectorOfTheSignaturePageHolds() {
        let body =
            #"{"event":"CARD_ISSUED","eventId":"evt_01HXY123456ABCDEF","businessId":"BUS1A2B3C4D5E6F","environment":"LIVE","timestamp":"2026-05-22T10:00:00Z","data":{"cardId":"crd_01HXYZ5555ABCDEF1111","status":"ACTIVE","programId":"prg_01HXYZ9876ABCDEF0000"}}"#
        #expect(body.utf8.count == 246)
        let secret = "whsec_a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2"
        #expect(
            Self.fyatuV1(secret: secret, timestamp: "1716372000", body: Array(body.utf8))
                == "527b275ead391245e2a4b32e0735df434723bb546bf49ce77ce74a20a253bee5"
        )
    }

    @Test(arguments: Backend.all)
    func aClientOfThePagesGetsATokenManagesItsWebhooksAndReceivesFyatusNames(backend: Backend) async throws {
        try await TestHarness.withDeliveries(on: backend) { harness in
            let single = TestReceiver()
            try await single.withRunning { singleRunning in
                let multi = TestReceiver()
                try await multi.withRunning { multiRunning in
                    let (app, key) = try await harness.createApp()
                    let (other, otherKey) = try await harness.createApp()
                    try await harness.withLiveServer { client in
                        // §1.1.1: a token by businessId, with the two webhook scopes asked for.
                        let issued = try await client.json(
                            "/api/v3.20/auth/token",
                            method: .post,
                            body: #"""
                                {"businessId":"\#(app.businessID)","secretKey":"\#(key.value)","grantType":"client_credentials",\#
                                "scopes":["webhooks:read","webhooks:write"]}
                                """#
                        )
                        #expect(issued.status == .ok, "\(issued.raw)")
                        #expect(issued.message == "Token generated successfully")
                        #expect(issued.data["tokenType"] as? String == "Bearer")
                        #expect(issued.data["expiresIn"] as? Int == 86_400)
                        #expect(Set(issued.data["scopes"] as? [String] ?? []) == ["webhooks:read", "webhooks:write"])
                        let token = try #require(issued.data["accessToken"] as? String)

                        // §2.1: the one URL, its secret regenerated (the old one dead at once), a test by `eventType`.
                        let put = try await client.setV3_20WebhookURL(singleRunning.url, token: token)
                        #expect(put.status == .ok, "\(put.raw)")
                        let firstSecret = try #require(put.data["webhookSecret"] as? String)
                        let regenerated = try await client.json(
                            "/api/v3.20/webhooks/secret/regenerate",
                            method: .post,
                            token: token
                        )
                        #expect(regenerated.message == "Webhook secret regenerated")
                        let secret = try #require(regenerated.data["webhookSecret"] as? String)
                        #expect(secret != firstSecret)
                        let tested = try await client.json(
                            "/api/v3.20/webhooks/test",
                            method: .post,
                            token: token,
                            body: #"{"eventType":"card.transaction.approved"}"#
                        )
                        #expect(tested.data["delivered"] as? Bool == true, "\(tested.raw)")
                        #expect(tested.data["httpStatus"] as? Int == 200)
                        let test = try #require(single.received.last)
                        let testSignature = try #require(test.header("X-Fyatu-Signature"))
                        let testT = try #require(testSignature.firstMatch(of: /t=(\d+)/)).1
                        #expect(
                            testSignature.contains(
                                "v1=" + Self.fyatuV1(secret: secret, timestamp: String(testT), body: test.body)
                            )
                        )
                        #expect(
                            !testSignature.contains(
                                Self.fyatuV1(secret: firstSecret, timestamp: String(testT), body: test.body)
                            )
                        )

                        // §2.2: an endpoint for two of the v3.20 names; its secret once, at the top level.
                        let created = try await client.json(
                            "/api/v3.20/webhooks",
                            method: .post,
                            token: token,
                            body:
                                #"{"url":"\#(multiRunning.url)","events":["TRANSACTION_AUTHORIZED","CARD_ISSUED"],"description":"ledger"}"#
                        )
                        #expect(created.status == .created, "\(created.raw)")
                        #expect(created.message == "Webhook created")
                        let endpointSecret = try #require(created.object["secret"] as? String)
                        #expect(created.data["events"] as? [String] == ["TRANSACTION_AUTHORIZED", "CARD_ISSUED"])
                        #expect((created.object["meta"] as? [String: Any])?["platform"] as? String == "Fyatu CaaS")

                        // The platform publishes in the v3 spelling; the endpoint receives Fyatu's names, signed by §4.3.
                        for event in ["card.transaction.approved", "card.created"] {
                            let published = try await harness.publish(
                                event,
                                data: #"{"cardId":"crd_1"}"#,
                                appID: app.id,
                                client: client
                            )
                            #expect(published.status == .accepted, "\(published.raw)")
                        }
                        #expect(try await multi.waitFor(count: 2, seconds: 30), "received \(multi.received.count)")
                        var names: [String] = []
                        for delivery in multi.received {
                            let envelope = try #require(
                                try JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any]
                            )
                            let name = try #require(envelope["event"] as? String)
                            names.append(name)
                            #expect(delivery.header("X-Fyatu-Event") == name)
                            #expect(envelope["businessId"] as? String == app.businessID.rawValue)
                            #expect(envelope["sign"] == nil && envelope["version"] == nil, "no sign, no version (§4.1)")
                            let signature = try #require(delivery.header("X-Fyatu-Signature"))
                            let t = try #require(signature.firstMatch(of: /t=(\d+)/)).1
                            #expect(
                                signature.contains(
                                    "v1="
                                        + Self.fyatuV1(
                                            secret: endpointSecret,
                                            timestamp: String(t),
                                            body: delivery.body
                                        )
                                ),
                                "\(signature)"
                            )
                        }
                        #expect(Set(names) == ["TRANSACTION_AUTHORIZED", "CARD_ISSUED"])

                        // §2.2.2: an unknown event is 422 INVALID_EVENT_TYPE; another business's webhook is 404 WEBHOOK_NOT_FOUND.
                        let unknown = try await client.json(
                            "/api/v3.20/webhooks",
                            method: .post,
                            token: token,
                            body: #"{"url":"\#(multiRunning.url)","events":["CARD_EXPLODED"]}"#
                        )
                        #expect(unknown.status == .unprocessableContent)
                        #expect(unknown.errorCode == "INVALID_EVENT_TYPE")
                        let otherToken = try await client.token(for: other, key: otherKey)
                        let theirs = try await client.json(
                            "/api/v3.20/webhooks",
                            method: .post,
                            token: otherToken,
                            body: #"{"url":"\#(multiRunning.url)","events":["CARD_ISSUED"]}"#
                        )
                        let theirID = try #require(theirs.data["webhookId"] as? String)
                        for method in [HTTPRequest.Method.get, .patch, .delete] {
                            let foreign = try await client.json(
                                "/api/v3.20/webhooks/\(theirID)",
                                method: method,
                                token: token,
                                body: method == .patch ? #"{"enabled":false}"# : nil
                            )
                            #expect(foreign.status == .notFound)
                            #expect(foreign.errorCode == "WEBHOOK_NOT_FOUND", "\(method): \(foreign.raw)")
                        }
                    }
                }
            }
        }
    }
}
