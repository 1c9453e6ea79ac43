import Crypto
import HookdCore
import HookdVerify
import Testing

@Suite struct WebhookSecretTests {
    @Test func tenThousandSecretsAreWellFormedAndDistinct() {
        var seen = Set<String>()
        for _ in 0..<10_000 {
            let secret = WebhookSecret.generate().value
            #expect(secret.wholeMatch(of: /whsec_[a-z0-9]{32}/) != nil)
            seen.insert(secret)
        }
        #expect(seen.count == 10_000)
    }

    @Test func everyCharacterOfTheAlphabetTurnsUpAtRoughlyItsShare() {
        // 10,000 secrets give 320,000 characters, about 8,900 of each of the 36; a biased draw (plain modulo of a
        // byte favours the first 4 characters by 1/7) would push those far outside this band.
        var counts: [Character: Int] = [:]
        for _ in 0..<10_000 {
            for character in WebhookSecret.generate().value.dropFirst(6) { counts[character, default: 0] += 1 }
        }
        #expect(counts.count == 36)
        for (_, count) in counts { #expect((8_300...9_500).contains(count)) }
    }

    @Test func theSecretsRandomPartIsValidBase64OfTwentyFourBytes() {
        let secret = WebhookSecret.generate()
        #expect(Base64.decode(secret.value.dropFirst(6))?.count == 24)
    }

    @Test(arguments: [
        "whsec_", "whsec_abc", "whsec_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", "whsec_abcdefghijklmnopqrstuvwxyz0123456",
        "wsec_abcdefghijklmnopqrstuvwxyz012345", "whsec_abcdefghijklmnopqrstuvwxyz01234_",
        " whsec_abcdefghijklmnopqrstuvwxyz01234",
    ])
    func malformedSecretsAreRejected(value: String) {
        #expect(WebhookSecret(value) == nil)
    }

    @Test func descriptionsNeverShowTheSecret() {
        let secret = WebhookSecret.generate()
        #expect(!"\(secret)".contains(secret.value.dropFirst(6)))
        #expect(!String(reflecting: secret).contains(secret.value.dropFirst(6)))
        let key = AppSecretKey.generate()
        #expect(!"\(key)".contains(key.value.dropFirst(3)))
    }

    @Test func theFingerprintDisclosesNoSigningKey() {
        let secret = WebhookSecret.generate()
        let fingerprint = secret.fingerprint
        #expect(fingerprint.wholeMatch(of: /fp_[0-9a-f]{16}/) != nil)
        // The X-Fyatu-Signature scheme keys its HMAC with hex(SHA-256(secret)); the fingerprint must not be a piece of it.
        let schemeKey = Hex.encode(SHA256.hash(data: Array(secret.value.utf8)))
        #expect(!schemeKey.contains(fingerprint.dropFirst(3)))
        #expect(fingerprint == WebhookSecret(secret.value)?.fingerprint, "fingerprints are stable")
    }

    @Test func appSecretKeysHaveTheirShapeAndMatchOnlyTheirDigest() {
        let key = AppSecretKey.generate()
        #expect(key.value.wholeMatch(of: /sk_[0-9A-Za-z]{48}/) != nil)
        #expect(key.matches(digest: key.digest))
        #expect(!AppSecretKey.generate().matches(digest: key.digest))
        #expect(!key.matches(digest: Array(key.digest.dropLast())))
    }

    @Test func identifiersHaveTheirShapes() {
        #expect(Identifiers.appID().rawValue.wholeMatch(of: /[A-Z0-9]{16}/) != nil)
        #expect(Identifiers.businessID().rawValue.wholeMatch(of: /[A-Z0-9]{24}/) != nil)
        #expect(Identifiers.requestID().rawValue.wholeMatch(of: /req_[0-9a-f]{24}/) != nil)
        #expect(Identifiers.tokenID().rawValue.wholeMatch(of: /jwt_[0-9a-f]{24}/) != nil)
    }

    @Test func constantTimeEqualityIsEquality() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(ConstantTime.equals("", ""))
    }
}
