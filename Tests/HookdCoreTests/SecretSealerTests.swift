import HookdCore
import Testing

@Suite struct SecretSealerTests {
    let plaintext = Array("whsec_abcdefghijklmnopqrstuvwxyz012345".utf8)

    @Test func sealedValuesOpenOnlyForTheirPurpose() throws {
        let sealer = SecretSealer(primary: .generate())
        let sealed = try sealer.seal(plaintext, purpose: "webhook-secret:APPA")
        #expect(try sealer.open(sealed, purpose: "webhook-secret:APPA") == plaintext)
        #expect(throws: SecretSealingError.authenticationFailed) {
            try sealer.open(sealed, purpose: "webhook-secret:APPB")
        }
        #expect(sealed.count == 1 + 8 + 12 + plaintext.count + 16)
        #expect(!sealed.containsSubsequence(plaintext))
    }

    @Test func twoSealsOfOneValueDiffer() throws {
        let sealer = SecretSealer(primary: .generate())
        #expect(try sealer.seal(plaintext, purpose: "p") != sealer.seal(plaintext, purpose: "p"))
    }

    @Test func everyAlteredByteIsDetected() throws {
        let sealer = SecretSealer(primary: .generate())
        let sealed = try sealer.seal(plaintext, purpose: "p")
        for index in sealed.indices {
            var altered = sealed
            altered[index] ^= 0x01
            #expect(throws: SecretSealingError.self) { try sealer.open(altered, purpose: "p") }
        }
        #expect(throws: SecretSealingError.malformedSealedValue) { try sealer.open(sealed.prefix(20), purpose: "p") }
    }

    @Test func anotherKeyCannotOpenAndAKeyringCan() throws {
        let old = MasterKey.generate()
        let new = MasterKey.generate()
        let sealedUnderOld = try SecretSealer(primary: old).seal(plaintext, purpose: "p")
        #expect(throws: SecretSealingError.unknownKey) {
            try SecretSealer(primary: new).open(sealedUnderOld, purpose: "p")
        }
        let rotating = SecretSealer(primary: new, additional: [old])
        #expect(try rotating.open(sealedUnderOld, purpose: "p") == plaintext)
        #expect(!rotating.isSealedUnderPrimary(sealedUnderOld))
        #expect(rotating.isSealedUnderPrimary(try rotating.seal(plaintext, purpose: "p")))
    }

    @Test func masterKeysParseFromBase64AndHex() throws {
        let key = MasterKey.generate()
        #expect(try MasterKey(encoded: key.encoded).identifier == key.identifier)
        #expect(try MasterKey(encoded: "  \(key.encoded)\n").identifier == key.identifier)
        let hex = String(repeating: "ab", count: 32)
        #expect(
            try MasterKey(encoded: hex).identifier == MasterKey(bytes: Array(repeating: 0xAB, count: 32)).identifier
        )
        for bad in ["", "short", String(repeating: "a", count: 43), String(repeating: "zz", count: 32)] {
            #expect(throws: SecretSealingError.malformedMasterKey) { try MasterKey(encoded: bad) }
        }
    }
}

extension Array where Element == UInt8 {
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { Array(self[$0..<($0 + needle.count)]) == needle }
    }
}
