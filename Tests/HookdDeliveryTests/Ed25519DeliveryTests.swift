import Foundation
import HookdCore
import HookdDelivery
import HookdVerify
import Testing

/// Deliveries to an `ED25519` endpoint (SPEC §15): `v1a` entries by every key in force, `X-Fyatu-Key-Id`, no HMAC.
@Suite struct Ed25519DeliveryTests {
    /// A v3.20 endpoint of a live app.
    static var shape: OutgoingWebhook.EndpointShape {
        var shape = OutgoingWebhook.EndpointShape.v3
        shape.format = .v3_20
        shape.businessID = BusinessID("B7Q2M4X9K1R8T3W6Z5N0P2L4")
        return shape
    }

    static func webhook(_ keys: [WebhookSigningKey]) -> OutgoingWebhook {
        OutgoingWebhook(
            event: "card.funded",
            eventID: EventID("0b8e2d4c-1f3a-4e5b-8c6d-7e8f9a0b1c2d"),
            data: Array(#"{"cardId":"crd_1"}"#.utf8),
            timestamp: UnixSeconds(1_767_225_600),
            signing: .ed25519(keys),
            schemes: Set(SignatureScheme.allCases),
            userAgent: "hookd/test",
            endpoint: shape
        )
    }

    static func verify(_ webhook: OutgoingWebhook, with key: WebhookSigningKey) throws -> VerifiedDelivery {
        let verifier = try WebhookVerifier(
            publicKeys: [key.publicKey.description],
            now: { Date(timeIntervalSince1970: 1_767_225_600) }
        )
        let headers = Dictionary(uniqueKeysWithValues: webhook.headers.map { ($0.name, $0.value) })
        return try verifier.verify(body: webhook.body, headers: headers)
    }

    @Test func oneKeySignsV1aAloneAndNamesItself() throws {
        let key = WebhookSigningKey()
        let webhook = Self.webhook([key])
        #expect(
            webhook.headers.map(\.name) == [
                "Content-Type", "User-Agent", "X-Fyatu-Event", "X-Fyatu-Event-ID", "X-Fyatu-Timestamp",
                "X-Fyatu-Environment", "X-Fyatu-Key-Id", "webhook-id", "webhook-timestamp", "webhook-signature",
            ],
            "no X-Fyatu-Signature"
        )
        let headers = Dictionary(uniqueKeysWithValues: webhook.headers.map { ($0.name, $0.value) })
        #expect(headers["X-Fyatu-Key-Id"] == key.publicKey.keyID)
        #expect(headers["webhook-signature"]?.hasPrefix("v1a,") == true)
        #expect(headers["webhook-signature"]?.contains("v1,") == false)
        #expect(!String(decoding: webhook.body, as: UTF8.self).contains("\"sign\""))
        #expect(try Self.verify(webhook, with: key).schemes == [.standardWebhooks])
    }

    @Test func duringAnOverlapEitherKeyVerifies() throws {
        let new = WebhookSigningKey()
        let old = WebhookSigningKey()
        let webhook = Self.webhook([new, old])
        let signature = try #require(webhook.headers.first { $0.name == "webhook-signature" }?.value)
        #expect(signature.split(separator: " ").count == 2)
        #expect(webhook.headers.first { $0.name == "X-Fyatu-Key-Id" }?.value == new.publicKey.keyID)
        #expect(try Self.verify(webhook, with: new).schemes == [.standardWebhooks])
        #expect(try Self.verify(webhook, with: old).schemes == [.standardWebhooks])
        #expect(throws: WebhookVerificationError.noMatchingSignature(.standardWebhooks)) {
            try Self.verify(webhook, with: WebhookSigningKey())
        }
    }

    /// The sealed `whsk_…` text opens as a key; the replaced key signs beside it until the overlap ends.
    @Test func theCacheOpensSealedKeys() throws {
        let sealer = SecretSealer(primary: .generate())
        let cache = SignerCache(sealer: sealer)
        let (new, old) = (WebhookSigningKey(), WebhookSigningKey())
        let purpose = SecretSealer.webhookSecretPurpose(appID: AppID("APP"))
        let claim = SignerCacheTests.claim(
            version: 2,
            sealed: try sealer.seal(Array(new.privateKeyText.utf8), purpose: purpose),
            previous: try sealer.seal(Array(old.privateKeyText.utf8), purpose: purpose),
            previousUntil: UnixMillis(2_000)
        )
        guard case .ed25519(let during) = try cache.signing(for: claim, now: UnixMillis(1_000)) else {
            Issue.record("an ED25519 endpoint's key opened as HMAC")
            return
        }
        #expect(during.map { $0.publicKey } == [new.publicKey, old.publicKey])
        guard case .ed25519(let after) = try cache.signing(for: claim, now: UnixMillis(2_000)) else {
            Issue.record("an ED25519 endpoint's key opened as HMAC")
            return
        }
        #expect(after.map { $0.publicKey } == [new.publicKey])
        #expect(try cache.signers(for: claim, now: UnixMillis(1_000)).isEmpty, "no HMAC signer for such an endpoint")
    }
}
