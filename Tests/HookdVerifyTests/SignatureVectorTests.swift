import Foundation
import HookdVerify
import Testing

/// Both directions against vectors computed independently (Python stdlib) from the spec's formulas.
@Suite struct SignatureVectorTests {
    @Test func vectorsLoad() throws {
        let vectors = try SignatureVectors.load()
        let deliveries = try DeliveryVectors.load()
        #expect(vectors.count == 12)
        #expect(deliveries.count == 8)
        #expect(SignatureVectors.all.count == vectors.count)
        #expect(DeliveryVectors.all.count == deliveries.count)
        let bodies =
            vectors.map { ($0.name, $0.body, $0.bodyBytes) } + deliveries.map { ($0.name, $0.body, $0.bodyBytes) }
        for (name, text, bytes) in bodies {
            #expect(bytes == Array(text.utf8), "\(name): body text and bytes disagree")
        }
    }

    // MARK: Signing

    @Test(arguments: SignatureVectors.all)
    func signerReproducesVector(_ vector: SignatureVector) throws {
        let signer = try WebhookSigner(secret: vector.secret)
        let body = vector.bodyBytes
        #expect(signer.v3Sign(data: body[vector.data]) == vector.expected.sign)
        #expect(signer.fyatuSignatureHeader(timestamp: vector.timestamp, body: body) == vector.expected.xFyatuSignature)
        #expect(
            signer.standardSignatureHeader(id: vector.eventId, timestamp: vector.timestamp, body: body)
                == vector.expected.webhookSignature
        )
    }

    @Test(arguments: SignatureVectors.all)
    func scannerFindsVectorData(_ vector: SignatureVector) throws {
        #expect(try DataValueScanner.rangeOfData(in: vector.bodyBytes) == vector.data)
        // The same through Data, whose storage Foundation provides.
        #expect(try DataValueScanner.rangeOfData(in: Data(vector.bodyBytes)) == vector.data)
    }

    // MARK: Verifying

    @Test(arguments: SignatureVectors.all)
    func verifierAcceptsVector(_ vector: SignatureVector) throws {
        let verifier = try Self.verifier(of: vector)
        let body = vector.bodyBytes

        let all = try verifier.verify(body: body, headers: vector.allHeaders)
        #expect(all.schemes == [.v3, .fyatu, .standardWebhooks])
        #expect(all.eventId == vector.eventId)
        #expect(all.event == vector.event)
        #expect(all.dataRange == vector.data)

        #expect(try verifier.verify(body: body, headers: [:]).schemes == [.v3])
        #expect(try verifier.verify(body: body, headers: vector.fyatuHeaders).schemes == [.v3, .fyatu])
        #expect(try verifier.verify(body: body, headers: vector.standardHeaders).schemes == [.v3, .standardWebhooks])
        #expect(
            try verifier.verify(body: body, headers: vector.allHeaders, requiring: Set(SignatureScheme.allCases))
                .schemes.count == 3
        )
    }

    @Test(arguments: SignatureVectors.all)
    func verifierRejectsOneByteChangeInData(_ vector: SignatureVector) throws {
        let verifier = try Self.verifier(of: vector)
        var body = vector.bodyBytes
        // The first character of the data's first key; `{}` has none, so that case is covered by the others.
        guard let quote = body[vector.data].firstIndex(of: UInt8(ascii: "\"")) else { return }
        body[quote + 1] = Self.nextLetter(body[quote + 1])

        Self.expectNoMatchingSignature(
            verifier,
            body: body,
            [(.v3, [:]), (.fyatu, vector.fyatuHeaders), (.standardWebhooks, vector.standardHeaders)]
        )
    }

    @Test(arguments: SignatureVectors.all)
    func verifierRejectsOneByteChangeOutsideData(_ vector: SignatureVector) throws {
        let verifier = try Self.verifier(of: vector)
        var body = vector.bodyBytes
        // "version":"3.0" becomes "3.1": outside the data, so only the header schemes can notice.
        let version = try #require(Self.firstRange(of: Array(#"3.0""#.utf8), in: body))
        #expect(!vector.data.contains(version.lowerBound))
        body[version.lowerBound + 2] = UInt8(ascii: "1")

        #expect(try verifier.verify(body: body, headers: [:]).schemes == [.v3])
        // A passing v3 never hides a failing header scheme.
        Self.expectNoMatchingSignature(
            verifier,
            body: body,
            [(.fyatu, vector.allHeaders), (.standardWebhooks, vector.standardHeaders)]
        )
    }

    @Test(arguments: SignatureVectors.all)
    func verifierRejectsOneByteChangeInSecret(_ vector: SignatureVector) throws {
        var secret = Array(vector.secret.utf8)
        secret[secret.count - 1] = Self.nextLetter(secret[secret.count - 1])
        let verifier = try WebhookVerifier(secret: secret.text, now: vector.clock)
        let body = vector.bodyBytes

        Self.expectNoMatchingSignature(
            verifier,
            body: body,
            [(.v3, [:]), (.fyatu, vector.allHeaders), (.standardWebhooks, vector.standardHeaders)]
        )
    }

    @Test(arguments: SignatureVectors.all)
    func verifierRejectsOneByteChangeInSignatures(_ vector: SignatureVector) throws {
        let verifier = try Self.verifier(of: vector)
        let body = vector.bodyBytes

        // v3: one hex digit of `sign` in the body.
        var badSign = body
        let sign = try #require(Self.firstRange(of: Array(vector.expected.sign.utf8), in: body))
        badSign[sign.lowerBound] = Self.nextHexDigit(badSign[sign.lowerBound])
        #expect(throws: WebhookVerificationError.noMatchingSignature(.v3)) {
            try verifier.verify(body: badSign, headers: [:])
        }

        // X-Fyatu-Signature: the first hex digit after "v1=".
        var fyatu = Array(vector.expected.xFyatuSignature.utf8)
        let v1 = try #require(Self.firstRange(of: Array("v1=".utf8), in: fyatu))
        fyatu[v1.upperBound] = Self.nextHexDigit(fyatu[v1.upperBound])
        #expect(throws: WebhookVerificationError.noMatchingSignature(.fyatu)) {
            try verifier.verify(body: body, headers: ["X-Fyatu-Signature": fyatu.text])
        }

        // webhook-signature: the first base64 character (never only padding bits).
        var standard = Array(vector.expected.webhookSignature.utf8)
        standard[3] = standard[3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        var headers = vector.standardHeaders
        headers["webhook-signature"] = standard.text
        #expect(throws: WebhookVerificationError.noMatchingSignature(.standardWebhooks)) {
            try verifier.verify(body: body, headers: headers)
        }
    }

    @Test(arguments: SignatureVectors.all)
    func verifierRejectsChangedSignedHeaderFields(_ vector: SignatureVector) throws {
        let verifier = try Self.verifier(of: vector)
        let body = vector.bodyBytes

        // The timestamp is signed: one second later, with the clock moved along, no longer matches.
        let fyatu = vector.expected.xFyatuSignature.replacingOccurrences(
            of: "t=\(vector.timestamp),",
            with: "t=\(vector.timestamp + 1),"
        )
        #expect(throws: WebhookVerificationError.noMatchingSignature(.fyatu)) {
            try verifier.verify(body: body, headers: ["X-Fyatu-Signature": fyatu])
        }

        var wrongTimestamp = vector.standardHeaders
        wrongTimestamp["webhook-timestamp"] = String(vector.timestamp + 1)
        #expect(throws: WebhookVerificationError.noMatchingSignature(.standardWebhooks)) {
            try verifier.verify(body: body, headers: wrongTimestamp)
        }

        var wrongID = vector.standardHeaders
        wrongID["webhook-id"] = String(vector.eventId.dropLast()) + "0"
        if wrongID["webhook-id"] == vector.eventId { wrongID["webhook-id"] = String(vector.eventId.dropLast()) + "1" }
        #expect(throws: WebhookVerificationError.noMatchingSignature(.standardWebhooks)) {
            try verifier.verify(body: body, headers: wrongID)
        }
    }

    // MARK: Helpers

    /// A verifier of `vector`'s secret at its time. The vectors pin each scheme, v3's `sign` among them: a body
    /// without headers is that scheme alone.
    static func verifier(of vector: SignatureVector) throws -> WebhookVerifier {
        try WebhookVerifier(secret: vector.secret, allowingSignOnly: true, now: vector.clock)
    }

    /// Expects `body` with each case's headers to be refused for matching no signature of the case's scheme.
    static func expectNoMatchingSignature(
        _ verifier: WebhookVerifier,
        body: [UInt8],
        _ cases: [(scheme: SignatureScheme, headers: [String: String])],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for (scheme, headers) in cases {
            #expect(throws: WebhookVerificationError.noMatchingSignature(scheme), sourceLocation: sourceLocation) {
                try verifier.verify(body: body, headers: headers)
            }
        }
    }

    static func nextLetter(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "z"): UInt8(ascii: "a")
        case UInt8(ascii: "Z"): UInt8(ascii: "A")
        case UInt8(ascii: "9"): UInt8(ascii: "1")
        default: byte + 1
        }
    }

    static func nextHexDigit(_ byte: UInt8) -> UInt8 {
        byte == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
    }

    static func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
        guard needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start..<(start + needle.count)
        }
        return nil
    }
}
