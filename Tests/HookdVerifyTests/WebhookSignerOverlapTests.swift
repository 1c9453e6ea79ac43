import Foundation
import HookdVerify
import Testing

/// Headers signed by several secrets at once, as during a secret rotation's overlap (SPEC §11).
@Suite struct WebhookSignerOverlapTests {
    static let bareSecret = "fcea2f670c848ae7f0adc4ca18f4f39d14a0468e75ea2e7f0ca4cbfd0fff5af5"
    static let body = Array(
        (#"{"event":"CARD_FUNDED","eventId":"\#(Fixture.eventId)","businessId":"B7Q2M4X9K1R8T3W6Z5N0P2L4","#
            + #""environment":"LIVE","timestamp":"2026-01-01T00:00:00Z","data":{"cardId":"crd_1"}}"#).utf8
    )

    let new: WebhookSigner
    let old: WebhookSigner
    let bare: WebhookSigner

    init() throws {
        new = try WebhookSigner(secret: Fixture.secret)
        old = try WebhookSigner(secret: Fixture.otherSecret)
        bare = try WebhookSigner(secret: Self.bareSecret)
    }

    func fyatu(_ signers: [WebhookSigner]) -> String? {
        WebhookSigner.fyatuSignatureHeader(signers: signers, timestamp: Fixture.timestamp, body: Self.body)
    }

    func standard(_ signers: [WebhookSigner]) -> String? {
        WebhookSigner.standardSignatureHeader(
            signers: signers,
            id: Fixture.eventId,
            timestamp: Fixture.timestamp,
            body: Self.body
        )
    }

    /// The `v1=…` entry of a one-signer `X-Fyatu-Signature`.
    func fyatuEntry(_ signer: WebhookSigner) -> String {
        String(signer.fyatuSignatureHeader(timestamp: Fixture.timestamp, body: Self.body).split(separator: ",")[1])
    }

    func standardEntry(_ signer: WebhookSigner) -> String? {
        signer.standardSignatureHeader(id: Fixture.eventId, timestamp: Fixture.timestamp, body: Self.body)
    }

    @Test func noSignersNoHeaders() {
        #expect(fyatu([]) == nil)
        #expect(standard([]) == nil)
    }

    @Test func oneSignerIsTheInstanceHeader() {
        #expect(fyatu([new]) == new.fyatuSignatureHeader(timestamp: Fixture.timestamp, body: Self.body))
        #expect(standard([new]) == standardEntry(new))
        #expect(fyatu([bare]) == bare.fyatuSignatureHeader(timestamp: Fixture.timestamp, body: Self.body))
        #expect(standard([bare]) == nil)
    }

    @Test func entriesFollowTheSignersOrder() throws {
        let t = "t=\(Fixture.timestamp)"
        #expect(fyatu([new, old]) == "\(t),\(fyatuEntry(new)),\(fyatuEntry(old))")
        #expect(fyatu([old, new]) == "\(t),\(fyatuEntry(old)),\(fyatuEntry(new))")
        #expect(fyatuEntry(new) != fyatuEntry(old))
        let newEntry = try #require(standardEntry(new))
        let oldEntry = try #require(standardEntry(old))
        #expect(standard([new, old]) == "\(newEntry) \(oldEntry)")
        #expect(standard([old, new]) == "\(oldEntry) \(newEntry)")
    }

    @Test func aSecretThatCannotServeStandardWebhooksAddsNoEntry() throws {
        #expect(fyatu([bare, old])?.split(separator: ",").count == 3)
        #expect(standard([bare, old]) == standardEntry(old))
        #expect(standard([bare, bare]) == nil)
    }

    @Test func eitherSecretVerifiesAnOverlapDelivery() throws {
        let headers = [
            "X-Fyatu-Signature": try #require(fyatu([new, old])),
            "webhook-id": Fixture.eventId,
            "webhook-timestamp": String(Fixture.timestamp),
            "webhook-signature": try #require(standard([new, old])),
        ]
        for secret in [Fixture.secret, Fixture.otherSecret] {
            let verifier = try WebhookVerifier(secret: secret, now: Fixture.clock(Fixture.timestamp))
            let delivery = try verifier.verify(
                body: Self.body,
                headers: headers,
                requiring: [.fyatu, .standardWebhooks]
            )
            #expect(delivery.schemes == [.fyatu, .standardWebhooks])
            #expect(delivery.event == "CARD_FUNDED")
            #expect(delivery.environment == "LIVE")
        }
        // A third secret matches neither entry.
        let stranger = try WebhookVerifier(secret: "whsec_c2hvcnQ=", now: Fixture.clock(Fixture.timestamp))
        #expect(throws: WebhookVerificationError.noMatchingSignature(.fyatu)) {
            try stranger.verify(body: Self.body, headers: headers)
        }
    }
}
