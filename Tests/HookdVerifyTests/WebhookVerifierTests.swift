import Foundation
import HookdVerify
import Testing

/// What a verification reports, which schemes it requires, and the policy that decides when a delivery passes.
@Suite struct WebhookVerifierTests: SignedWebhookTesting {
    // MARK: Result

    @Test func reportsSchemesAndBodyFields() throws {
        let delivery = try verifier().verify(body: body, headers: allHeaders)
        #expect(delivery.schemes == [.v3, .fyatu, .standardWebhooks])
        #expect(delivery.eventId == Fixture.eventId)
        #expect(delivery.event == "card.funded")
        #expect(delivery.dataRange.map { Array(body[$0]).text } == #"{"cardId":"crd_1","amount":"25.00"}"#)
    }

    @Test func decodesEscapedBodyFields() throws {
        let data = "{}"
        let sign = signer.v3Sign(data: Array(data.utf8))
        let body = Array(
            #"{"event":"card.\u0066unded","eventId":"evt\u005f1 \ud83d\ude00","sign":"\#(sign)","data":{}}"#.utf8
        )
        let delivery = try verifier(allowingSignOnly: true).verify(body: body, headers: [:])
        #expect(delivery.event == "card.funded")
        #expect(delivery.eventId == "evt_1 😀")
    }

    @Test func nonStringBodyFieldsAreNil() throws {
        let sign = signer.v3Sign(data: Array("[]".utf8))
        let body = Array(#"{"event":1,"eventId":null,"sign":"\#(sign)","data":[]}"#.utf8)
        let delivery = try verifier(allowingSignOnly: true).verify(body: body, headers: [:])
        #expect(delivery.event == nil)
        #expect(delivery.eventId == nil)
    }

    @Test func acceptsDataAndNonContiguousBodies() throws {
        let verifier = try verifier()
        #expect(try verifier.verify(body: Data(body), headers: allHeaders).schemes.count == 3)
        #expect(try verifier.verify(body: body.lazy.map { $0 }, headers: allHeaders).schemes.count == 3)
    }

    // MARK: Policy

    @Test func noSchemeIsRefused() throws {
        let body = Array(#"{"event":"card.funded","data":{"a":1}}"#.utf8)
        #expect(throws: WebhookVerificationError.noSignature) {
            try verifier().verify(body: body, headers: ["Content-Type": "application/json"])
        }
    }

    @Test func headerSchemesAloneWhenTheBodyHasNoSign() throws {
        let body = Array(#"{"event":"card.funded","data":{"a":1}}"#.utf8)
        let headers = fyatuHeaders(body: body).merging(standardHeaders(body: body)) { first, _ in first }
        let delivery = try verifier().verify(body: body, headers: headers)
        #expect(delivery.schemes == [.fyatu, .standardWebhooks])
    }

    @Test func aFailingSchemeIsNeverHiddenByPassingOnes() throws {
        var headers = allHeaders
        headers["X-Fyatu-Signature"] = "t=\(Fixture.timestamp),v1=" + String(repeating: "0", count: 64)
        #expect(throws: WebhookVerificationError.noMatchingSignature(.fyatu)) {
            try verifier().verify(body: body, headers: headers)
        }

        headers = allHeaders
        headers["webhook-signature"] = "v1," + Base64.encode([UInt8](repeating: 0, count: 32))
        #expect(throws: WebhookVerificationError.noMatchingSignature(.standardWebhooks)) {
            try verifier().verify(body: body, headers: headers)
        }

        let forgedSign = Array(
            body.text.replacingOccurrences(
                of: signer.v3Sign(data: Array(#"{"cardId":"crd_1","amount":"25.00"}"#.utf8)),
                with: String(repeating: "a", count: 64)
            ).utf8
        )
        let forgedHeaders = fyatuHeaders(body: forgedSign).merging(standardHeaders(body: forgedSign)) { first, _ in
            first
        }
        #expect(throws: WebhookVerificationError.noMatchingSignature(.v3)) {
            try verifier().verify(body: forgedSign, headers: forgedHeaders)
        }
    }

    @Test func signWithoutDataIsRefused() throws {
        let body = Array(#"{"event":"x","sign":"\#(String(repeating: "a", count: 64))"}"#.utf8)
        #expect(throws: WebhookVerificationError.missingBodyKey("data")) {
            try verifier().verify(body: body, headers: [:])
        }
    }

    @Test(arguments: [#"12"#, #"null"#, #""abc""#, #""\u0061""#, #"["a"]"#])
    func signThatIsNotHexDoesNotMatch(_ sign: String) throws {
        let body = Array(#"{"sign":\#(sign),"data":{}}"#.utf8)
        #expect(throws: WebhookVerificationError.noMatchingSignature(.v3)) {
            try verifier().verify(body: body, headers: [:])
        }
    }

    @Test func malformedBodyIsRefusedEvenWithValidHeaderSignatures() throws {
        let body = Array(#"{"event":"x","data":{"a":1}"#.utf8)  // truncated, but signed as is
        let headers = fyatuHeaders(body: body).merging(standardHeaders(body: body)) { first, _ in first }
        #expect(throws: WebhookVerificationError.malformedBody(.unexpectedEnd, at: body.count)) {
            try verifier().verify(body: body, headers: headers)
        }
    }

    @Test func duplicateSignOrDataIsRefused() throws {
        let sign = signer.v3Sign(data: Array("{}".utf8))
        let twoData = Array(#"{"sign":"\#(sign)","data":{},"data":{"amount":"1000000"}}"#.utf8)
        #expect(throws: WebhookVerificationError.duplicateBodyKey("data", at: 85)) {
            try verifier().verify(body: twoData, headers: [:])
        }
        let twoSigns = Array(#"{"sign":"\#(sign)","sign":"x","data":{}}"#.utf8)
        #expect(throws: WebhookVerificationError.duplicateBodyKey("sign", at: 75)) {
            try verifier().verify(body: twoSigns, headers: [:])
        }
    }

    // MARK: Requiring schemes

    @Test func requiringAPresentSchemePasses() throws {
        let delivery = try verifier().verify(body: body, headers: allHeaders, requiring: [.fyatu, .standardWebhooks])
        #expect(delivery.schemes == [.v3, .fyatu, .standardWebhooks])
    }

    @Test func requiringAnAbsentSchemeFails() throws {
        let verifier = try verifier()
        #expect(throws: WebhookVerificationError.missingHeader("X-Fyatu-Signature")) {
            try verifier.verify(body: body, headers: standardHeaders(), requiring: [.fyatu])
        }
        #expect(throws: WebhookVerificationError.missingHeader("webhook-id")) {
            try verifier.verify(body: body, headers: fyatuHeaders(), requiring: [.standardWebhooks])
        }
        let unsigned = Array(#"{"event":"x","data":{"a":1}}"#.utf8)
        let headers = fyatuHeaders(body: unsigned)
        #expect(throws: WebhookVerificationError.missingBodyKey("sign")) {
            try verifier.verify(body: unsigned, headers: headers, requiring: [.v3])
        }
        #expect(try verifier.verify(body: unsigned, headers: headers, requiring: []).schemes == [.fyatu])
    }

    // MARK: The v3.20 format (SPEC §11)

    @Test func reportsTheFieldsOfAV320Body() throws {
        let body = Array(
            (#"{"event":"CARD_FUNDED","eventId":"\#(Fixture.eventId)","businessId":"B7Q2M4X9K1R8T3W6Z5N0P2L4","#
                + #""environment":"SANDBOX","timestamp":"2026-01-01T00:00:00Z","data":{"cardId":"crd_1"}}"#).utf8
        )
        var headers = fyatuHeaders(body: body).merging(standardHeaders(body: body)) { first, _ in first }
        headers["X-Fyatu-Event"] = "CARD_FUNDED"
        headers["X-Fyatu-Event-Id"] = Fixture.eventId
        headers["X-Fyatu-Timestamp"] = String(Fixture.timestamp)
        headers["X-Fyatu-Environment"] = "SANDBOX"
        let delivery = try verifier().verify(body: body, headers: headers)
        #expect(delivery.schemes == [.fyatu, .standardWebhooks])
        #expect(delivery.event == "CARD_FUNDED")
        #expect(delivery.eventId == Fixture.eventId)
        #expect(delivery.environment == "SANDBOX")
        #expect(delivery.businessId == "B7Q2M4X9K1R8T3W6Z5N0P2L4")
        #expect(delivery.dataRange.map { Array(body[$0]).text } == #"{"cardId":"crd_1"}"#)

        // The environment comes from the signed body, never from the unsigned header.
        headers["X-Fyatu-Environment"] = "LIVE"
        #expect(try verifier().verify(body: body, headers: headers).environment == "SANDBOX")
        // A v3 body has neither field.
        let v3 = try verifier().verify(body: self.body, headers: allHeaders)
        #expect(v3.environment == nil && v3.businessId == nil)
    }

    @Test func aV320BodyWithTwoEnvironmentsIsRefused() throws {
        let body = Array(#"{"event":"CARD_FUNDED","environment":"LIVE","environment":"SANDBOX","data":{}}"#.utf8)
        #expect(throws: WebhookVerificationError.duplicateBodyKey("environment", at: 44)) {
            try verifier().verify(body: body, headers: fyatuHeaders(body: body))
        }
    }
}
