import Foundation
import HookdVerify
import Testing

@Suite struct WebhookSignerTests {
    @Test(arguments: [
        "",
        "whsec_",
        " whsec_jtbgbtfai9965s0i8yw1mknnxe90pjk2",
        "whsec_jtbgbtfai9965s0i8yw1mknnxe90pjk2\n",
        "whsec_jtbgbtfai9965s0i8yw1mknnxe90pjk2\r\n",
        "\tfcea2f670c848ae7f0adc4ca18f4f39d14a0468e75ea2e7f0ca4cbfd0fff5af5",
        "fcea2f670c848ae7f0adc4ca18f4f39d14a0468e75ea2e7f0ca4cbfd0fff5af5 ",
        "whsec_jtbgbtfai9965s0i8yw1mknnxe90pjk2\u{7F}",
        "\u{0}",
        " ",
    ])
    func unusableSecretsAreRefused(_ secret: String) {
        #expect(throws: WebhookVerificationError.invalidSecret) { try WebhookSigner(secret: secret) }
        #expect(throws: WebhookVerificationError.invalidSecret) { try WebhookVerifier(secret: secret) }
    }

    @Test(arguments: [
        "whsec_jtbgbtfai9965s0i8yw1mknnxe90pjk2",  // hookd's v3 shape: 32 of [a-z0-9]
        "whsec_fe3c4621eec15213eef7649c9f20f3f53f3f24b745a11d6381a64fe6284bd0ef",  // hookd's v3.20 shape: 64 hex
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",  // a Svix-style secret, mixed case
        "whsec_c2hvcnQ=",  // padded base64
        "whsec_+/+/",
    ])
    func base64SecretsServeEveryScheme(_ secret: String) throws {
        #expect(try WebhookSigner(secret: secret).supportedSchemes == Set(SignatureScheme.allCases))
        #expect(try WebhookVerifier(secret: secret).supportedSchemes == Set(SignatureScheme.allCases))
    }

    /// SPEC §11: a secret of any shape signs and checks the v3 `sign` and `X-Fyatu-Signature`; only Standard
    /// Webhooks needs `whsec_` + base64.
    @Test(arguments: [
        "fcea2f670c848ae7f0adc4ca18f4f39d14a0468e75ea2e7f0ca4cbfd0fff5af5",  // 64 hex, no prefix
        "jtbgbtfai9965s0i8yw1mknnxe90pjk2",  // base64 but no prefix
        "whsec",
        "sk_jtbgbtfai9965s0i8yw1mknnxe90pjk2",
        "WHSEC_jtbgbtfai9965s0i8yw1mknnxe90pjk2",
        "whsec_jtbgbtfai9965s0i8yw1mknnxe90pjk",  // length not a multiple of 4
        "whsec_jtbgbtfai9965s0i8yw1mknn-e90pjk2",  // URL-safe alphabet
        "whsec_jtbgbtfai9965s0i8 yw1mknnxe90pjk2",
        "whsec_jtbgbtfai9965s0i8yw1mknnxe90pjké",
        "whsec_====",
        "whsec_aGl=",  // non-zero unused bits
        "correct horse battery staple",
        "x",
    ])
    func secretsOfAnyOtherShapeServeV3AndFyatu(_ secret: String) throws {
        let signer = try WebhookSigner(secret: secret)
        #expect(signer.supportedSchemes == [.v3, .fyatu])
        let body = Fixture.body(signer: signer)
        #expect(signer.standardSignatureHeader(id: Fixture.eventId, timestamp: Fixture.timestamp, body: body) == nil)

        // What one signs, the other checks (the formulas themselves are pinned by the Python vectors).
        let verifier = try WebhookVerifier(secret: secret, now: Fixture.clock(Fixture.timestamp))
        #expect(verifier.supportedSchemes == [.v3, .fyatu])
        let headers = ["X-Fyatu-Signature": signer.fyatuSignatureHeader(timestamp: Fixture.timestamp, body: body)]
        #expect(try verifier.verify(body: body, headers: headers).schemes == [.v3, .fyatu])
        #expect(throws: WebhookVerificationError.noMatchingSignature(.fyatu)) {
            try WebhookVerifier(secret: Fixture.secret, now: Fixture.clock(Fixture.timestamp))
                .verify(body: body, headers: headers)
        }
    }

    @Test func unusableSecretMessageDoesNotEchoTheSecret() {
        let secret = "whsec_sensitive0material0here0000\n"
        do {
            _ = try WebhookSigner(secret: secret)
            Issue.record("an unusable secret was accepted")
        } catch {
            #expect(!error.description.contains("sensitive"))
            #expect(error.description.contains("line break"))
        }
    }

    @Test func signaturesHaveTheDocumentedShape() throws {
        let signer = try WebhookSigner(secret: Fixture.secret)
        let body = Array(#"{"data":{}}"#.utf8)

        let sign = signer.v3Sign(data: Array("{}".utf8))
        #expect(sign.utf8.count == 64)
        #expect(sign.utf8.allSatisfy { Array("0123456789abcdef".utf8).contains($0) })

        let fyatu = signer.fyatuSignatureHeader(timestamp: 1_767_225_600, body: body)
        #expect(fyatu.hasPrefix("t=1767225600,v1="))
        #expect(fyatu.utf8.count == "t=1767225600,v1=".utf8.count + 64)

        let standard = try #require(signer.standardSignatureHeader(id: "msg_1", timestamp: 1_767_225_600, body: body))
        #expect(standard.hasPrefix("v1,"))
        #expect(Base64.decode(standard.dropFirst(3))?.count == 32)
    }

    @Test func keysAreDistinctPerScheme() throws {
        // Same message bytes under each scheme's key give different MACs: the keys are derived differently.
        let signer = try WebhookSigner(secret: Fixture.secret)
        let v3 = signer.v3Sign(data: Array("1767225600.{}".utf8))
        let fyatu = signer.fyatuSignatureHeader(timestamp: 1_767_225_600, body: Array("{}".utf8))
        #expect(!fyatu.hasSuffix(v3))
    }

    @Test func signerIsReusableAndDeterministic() throws {
        let signer = try WebhookSigner(secret: Fixture.secret)
        let data = Array(#"{"a":1}"#.utf8)
        let first = signer.v3Sign(data: data)
        _ = signer.v3Sign(data: Array("something else".utf8))
        #expect(signer.v3Sign(data: data) == first)
        #expect(try WebhookSigner(secret: Fixture.otherSecret).v3Sign(data: data) != first)
    }

    @Test func anyCollectionOfBytesSignsTheSame() throws {
        let signer = try WebhookSigner(secret: Fixture.secret)
        let bytes = Array(#"{"event":"x","data":{"a":"é"}}"#.utf8)
        let expected = signer.fyatuSignatureHeader(timestamp: 1, body: bytes)
        #expect(signer.fyatuSignatureHeader(timestamp: 1, body: Data(bytes)) == expected)
        #expect(signer.fyatuSignatureHeader(timestamp: 1, body: bytes[...]) == expected)
        #expect(signer.fyatuSignatureHeader(timestamp: 1, body: bytes.lazy.map { $0 }) == expected)
        #expect(
            signer.fyatuSignatureHeader(timestamp: 1, body: "{\"event\":\"x\",\"data\":{\"a\":\"é\"}}".utf8) == expected
        )
    }

    @Test func signersAreSendable() async throws {
        let signer = try WebhookSigner(secret: Fixture.secret)
        let data = Array("{}".utf8)
        let expected = signer.v3Sign(data: data)
        let results = await withTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { signer.v3Sign(data: data) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results == Array(repeating: expected, count: 8))
    }
}

@Suite struct HexBase64Tests {
    @Test(
        arguments: [
            ([UInt8](), ""),
            ([0x00], "00"),
            ([0xde, 0xad, 0xbe, 0xef], "deadbeef"),
            (Array(0...255), (0...255).map { String(format: "%02x", $0) }.joined()),
        ] as [([UInt8], String)]
    )
    func hexRoundTrip(bytes: [UInt8], hex: String) {
        #expect(Hex.encode(bytes) == hex)
        #expect(Hex.decode(hex) == bytes)
        #expect(Hex.decode(hex.uppercased()) == bytes)
    }

    @Test(arguments: ["0", "abc", "zz", "0g", " 00", "00 ", "é0"])
    func hexRejects(_ text: String) {
        #expect(Hex.decode(text) == nil)
    }

    @Test(
        arguments: [
            ([UInt8](), ""),
            (Array("hi".utf8), "aGk="),
            (Array("hookd".utf8), "aG9va2Q="),
            ([0xfb, 0xff], "+/8="),
        ] as [([UInt8], String)]
    )
    func base64RoundTrip(bytes: [UInt8], text: String) {
        #expect(Base64.encode(bytes) == text)
        #expect(Base64.decode(text) == bytes)
    }

    @Test func base64MatchesFoundationOnEveryLength() {
        var generator = SystemRandomNumberGenerator()
        for count in 0..<100 {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = Base64.encode(bytes)
            #expect(encoded == Data(bytes).base64EncodedString())
            #expect(Base64.decode(encoded) == bytes)
        }
    }

    @Test(arguments: [
        "a", "aGk", "aGk=\n", " aGk=", "aG k=", "-_8=", "aGk===", "====", "aG==", "a===", "aGk=aGk=", "=aGk",
        "aGl=",  // non-zero unused bits: "aGk=" is the only encoding of "hi"
        "aR==",
    ])
    func base64Rejects(_ text: String) {
        #expect(Base64.decode(text) == nil)
    }
}
