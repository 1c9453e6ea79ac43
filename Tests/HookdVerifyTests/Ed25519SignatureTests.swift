import Foundation
import HookdVerify
import Testing

/// Standard Webhooks `v1a` (Ed25519) signing and verifying with fixed keys (SPEC §15). The expected values were
/// made by independent code, Python's `cryptography`, from RFC 8032's first two test seeds.
@Suite struct Ed25519SignatureTests {
    /// RFC 8032 §7.1, test 1 and test 2: the private seeds.
    static let seed = Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")!
    static let otherSeed = Hex.decode("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")!
    static let publicKey = "whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
    static let otherPublicKey = "whpk_PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw="
    static let body = Array(#"{"event":"CARD_FUNDED","eventId":"evt_1","data":{"cardId":"crd_1"}}"#.utf8)
    /// `cryptography`'s `Ed25519PrivateKey.sign(b"evt_1.1767225600." + body)` for each seed.
    static let signature =
        "v1a,sSlrIU52fJKT+uz+oCsNXBshYnKJMQHL0Ahg9VNJuvx7vDtxnSJeRfFlQBWtzhY7SfXrkZUj699d6+KP6Q9bCw=="
    static let otherSignature =
        "v1a,3n/9xj8J7hP5VHo6S/xUHPtA9A11Ev11gwQPk3ioy6RSqdiZI7KiesaC8tEb5xarQ0TpBedd3a5Wv+Vy5HYHBA=="

    let key: WebhookSigningKey
    let otherKey: WebhookSigningKey

    init() throws {
        key = try WebhookSigningKey(rawRepresentation: Self.seed)
        otherKey = try WebhookSigningKey(rawRepresentation: Self.otherSeed)
    }

    func headers(_ signature: String, timestamp: Int64 = Fixture.timestamp) -> [String: String] {
        ["webhook-id": "evt_1", "webhook-timestamp": "\(timestamp)", "webhook-signature": signature]
    }

    func verifier(_ keys: [String], at seconds: Int64 = Fixture.timestamp) throws -> WebhookVerifier {
        try WebhookVerifier(publicKeys: keys, now: Fixture.clock(seconds))
    }

    @Test func signsAsIndependentCodeDoes() {
        #expect(key.publicKey.description == Self.publicKey)
        #expect(otherKey.publicKey.description == Self.otherPublicKey)
        #expect(
            key.standardSignatureHeader(id: "evt_1", timestamp: Fixture.timestamp, body: Self.body) == Self.signature
        )
        let overlap = WebhookSigningKey.standardSignatureHeader(
            keys: [key, otherKey],
            id: "evt_1",
            timestamp: Fixture.timestamp,
            body: Self.body
        )
        #expect(overlap == "\(Self.signature) \(Self.otherSignature)")
        #expect(WebhookSigningKey.standardSignatureHeader(keys: [], id: "evt_1", timestamp: 1, body: Self.body) == nil)
    }

    @Test func verifiesWithThePublicKey() throws {
        let delivery = try verifier([Self.publicKey]).verify(body: Self.body, headers: headers(Self.signature))
        #expect(delivery.schemes == [.standardWebhooks])
        #expect(delivery.eventId == "evt_1")
        #expect(try verifier([Self.publicKey]).supportedSchemes == [.standardWebhooks])
    }

    /// During a rotation's overlap the header carries both entries; a receiver with either key accepts it, and
    /// one that holds both keys accepts a delivery signed by either.
    @Test func overlapVerifiesWithEitherKey() throws {
        let both = headers("\(Self.signature) \(Self.otherSignature)")
        #expect(try verifier([Self.publicKey]).verify(body: Self.body, headers: both).schemes == [.standardWebhooks])
        #expect(
            try verifier([Self.otherPublicKey]).verify(body: Self.body, headers: both).schemes == [.standardWebhooks]
        )
        let keys = [Self.publicKey, Self.otherPublicKey]
        #expect(try verifier(keys).verify(body: Self.body, headers: headers(Self.otherSignature)).schemes.count == 1)
    }

    @Test func refusesAWrongKeyABodyChangeAndAStaleTimestamp() throws {
        #expect(throws: WebhookVerificationError.noMatchingSignature(.standardWebhooks)) {
            try verifier([Self.otherPublicKey]).verify(body: Self.body, headers: headers(Self.signature))
        }
        var changed = Self.body
        changed[changed.count - 3] = UInt8(ascii: "2")
        #expect(throws: WebhookVerificationError.noMatchingSignature(.standardWebhooks)) {
            try verifier([Self.publicKey]).verify(body: changed, headers: headers(Self.signature))
        }
        #expect(throws: WebhookVerificationError.noMatchingSignature(.standardWebhooks)) {
            let moved = headers(Self.signature, timestamp: Fixture.timestamp + 1)
            return try verifier([Self.publicKey]).verify(body: Self.body, headers: moved)
        }
        #expect(throws: WebhookVerificationError.timestampTooOld(.standardWebhooks)) {
            try verifier([Self.publicKey], at: Fixture.timestamp + 301).verify(
                body: Self.body,
                headers: headers(Self.signature)
            )
        }
    }

    /// A `v1` (HMAC) entry is not a `v1a` one, and a secret's verifier does not take `v1a` entries for its own.
    @Test func versionsDoNotCross() throws {
        let hmacOnly = headers("v1,\(Self.signature.dropFirst(4))")
        #expect(throws: WebhookVerificationError.noMatchingSignature(.standardWebhooks)) {
            try verifier([Self.publicKey]).verify(body: Self.body, headers: hmacOnly)
        }
        let secretVerifier = try WebhookVerifier(secret: Fixture.secret, now: Fixture.clock(Fixture.timestamp))
        #expect(throws: WebhookVerificationError.noMatchingSignature(.standardWebhooks)) {
            try secretVerifier.verify(body: Self.body, headers: headers(Self.signature))
        }
    }

    /// Public keys cannot check HMAC schemes, so a delivery that carries one is refused, not passed on the rest.
    @Test func hmacSchemesAndMissingSignaturesAreRefused() throws {
        var withFyatu = headers(Self.signature)
        withFyatu["X-Fyatu-Signature"] = "t=\(Fixture.timestamp),v1=00"
        #expect(throws: WebhookVerificationError.publicKeyCannotVerify(.fyatu)) {
            try verifier([Self.publicKey]).verify(body: Self.body, headers: withFyatu)
        }
        let signed = Array(#"{"sign":"00","data":{}}"#.utf8)
        let signedHeaders = headers(
            key.standardSignatureHeader(id: "evt_1", timestamp: Fixture.timestamp, body: signed)
        )
        #expect(throws: WebhookVerificationError.publicKeyCannotVerify(.v3)) {
            try verifier([Self.publicKey]).verify(body: signed, headers: signedHeaders)
        }
        #expect(throws: WebhookVerificationError.missingHeader("webhook-signature")) {
            try verifier([Self.publicKey]).verify(body: Self.body, headers: ["webhook-id": "evt_1"])
        }
    }

    @Test(arguments: [
        "", "whpk_", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHUR",
        "whpk_AAAA", "whsec_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
    ])
    func malformedPublicKeysAreRefused(_ key: String) {
        #expect(throws: WebhookVerificationError.invalidPublicKey) { try WebhookPublicKey(key) }
        #expect(throws: WebhookVerificationError.invalidPublicKey) { try WebhookVerifier(publicKeys: [key]) }
    }

    @Test func noKeysAreRefused() {
        #expect(throws: WebhookVerificationError.invalidPublicKey) { try WebhookVerifier(publicKeys: []) }
    }

    @Test func thePrivateKeyIsNeverDescribed() throws {
        let seedBase64 = Base64.encode(Self.seed)
        for text in [
            "\(key)", String(reflecting: key),
            {
                var out = ""
                dump(key, to: &out)
                return out
            }(),
        ] {
            #expect(!text.contains(seedBase64))
            #expect(!text.contains(Hex.encode(Self.seed)))
            #expect(text.contains(Self.publicKey))
        }
        #expect(key.rawRepresentation == Self.seed)
        #expect(key.privateKeyText == "whsk_" + seedBase64)
        #expect(try WebhookSigningKey(privateKeyText: key.privateKeyText).publicKey == key.publicKey)
        #expect(throws: WebhookVerificationError.invalidSecret) { try WebhookSigningKey(privateKeyText: seedBase64) }
        #expect(key.publicKey.keyID.count == 16)
        #expect(key.publicKey.keyID != otherKey.publicKey.keyID)
        #expect(key.publicKey.jwkX == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
    }

    /// A fresh key signs what its public key checks.
    @Test func aNewKeyRoundTrips() throws {
        let fresh = WebhookSigningKey()
        let signature = fresh.standardSignatureHeader(id: "evt_1", timestamp: Fixture.timestamp, body: Self.body)
        let verifier = try verifier([fresh.publicKey.description])
        #expect(try verifier.verify(body: Self.body, headers: headers(signature)).schemes == [.standardWebhooks])
    }
}
