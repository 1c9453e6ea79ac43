import Foundation
import HookdVerify
import Testing

@Suite struct WebhookVerifierTests {
    let signer: WebhookSigner
    let body: [UInt8]

    init() throws {
        signer = try WebhookSigner(secret: Fixture.secret)
        body = Fixture.body(signer: signer)
    }

    func verifier(
        at seconds: Int64 = Fixture.timestamp,
        tolerance: Duration = .seconds(300),
        allowingSignOnly: Bool = false
    ) throws -> WebhookVerifier {
        try WebhookVerifier(
            secret: Fixture.secret,
            tolerance: tolerance,
            allowingSignOnly: allowingSignOnly,
            now: Fixture.clock(seconds)
        )
    }

    func fyatuHeaders(timestamp: Int64 = Fixture.timestamp, body: [UInt8]? = nil) -> [String: String] {
        ["X-Fyatu-Signature": signer.fyatuSignatureHeader(timestamp: timestamp, body: body ?? self.body)]
    }

    func standardHeaders(timestamp: Int64 = Fixture.timestamp, body: [UInt8]? = nil) -> [String: String] {
        [
            "webhook-id": Fixture.eventId,
            "webhook-timestamp": String(timestamp),
            "webhook-signature": signer.standardSignatureHeader(
                id: Fixture.eventId,
                timestamp: timestamp,
                body: body ?? self.body
            )!,  // Fixture.secret is whsec_ + base64
        ]
    }

    var allHeaders: [String: String] { fyatuHeaders().merging(standardHeaders()) { first, _ in first } }

    /// The hex MAC inside a `t=…,v1=…` header.
    func fyatuMAC(timestamp: Int64 = Fixture.timestamp) -> String {
        String(fyatuHeaders(timestamp: timestamp)["X-Fyatu-Signature"]!.split(separator: "=").last!)
    }

    /// The base64 MAC inside a `v1,…` header.
    var standardMAC: String { String(standardHeaders()["webhook-signature"]!.dropFirst(3)) }

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

    // MARK: Timestamps

    @Test(
        arguments: [
            (-301, WebhookVerificationError.timestampInFuture(.fyatu)),
            (-300, nil),
            (0, nil),
            (300, nil),
            (301, WebhookVerificationError.timestampTooOld(.fyatu)),
            (86_400, WebhookVerificationError.timestampTooOld(.fyatu)),
        ] as [(Int64, WebhookVerificationError?)]
    )
    func fyatuTimestampTolerance(clockOffset: Int64, error: WebhookVerificationError?) throws {
        let verifier = try verifier(at: Fixture.timestamp + clockOffset)
        if let error {
            #expect(throws: error) { try verifier.verify(body: body, headers: fyatuHeaders()) }
        } else {
            #expect(try verifier.verify(body: body, headers: fyatuHeaders()).schemes.contains(.fyatu))
        }
    }

    @Test(
        arguments: [
            (-301, WebhookVerificationError.timestampInFuture(.standardWebhooks)),
            (-300, nil),
            (0, nil),
            (300, nil),
            (301, WebhookVerificationError.timestampTooOld(.standardWebhooks)),
        ] as [(Int64, WebhookVerificationError?)]
    )
    func standardTimestampTolerance(clockOffset: Int64, error: WebhookVerificationError?) throws {
        let verifier = try verifier(at: Fixture.timestamp + clockOffset)
        if let error {
            #expect(throws: error) { try verifier.verify(body: body, headers: standardHeaders()) }
        } else {
            #expect(try verifier.verify(body: body, headers: standardHeaders()).schemes.contains(.standardWebhooks))
        }
    }

    @Test func customAndFractionalTolerance() throws {
        let tight = try verifier(at: Fixture.timestamp + 10, tolerance: .seconds(10))
        #expect(try tight.verify(body: body, headers: allHeaders).schemes.count == 3)
        let tighter = try verifier(at: Fixture.timestamp + 2, tolerance: .milliseconds(1_500))
        #expect(throws: WebhookVerificationError.timestampTooOld(.fyatu)) {
            try tighter.verify(body: body, headers: allHeaders)
        }
        let clock = Date(timeIntervalSince1970: TimeInterval(Fixture.timestamp) - 1.4)
        let early = try WebhookVerifier(secret: Fixture.secret, tolerance: .milliseconds(1_500), now: { clock })
        #expect(try early.verify(body: body, headers: allHeaders).schemes.count == 3)
        let zero = try verifier(at: Fixture.timestamp, tolerance: .seconds(-5))
        #expect(try zero.verify(body: body, headers: allHeaders).schemes.count == 3)
    }

    @Test func aBodySignedByV3AloneIsRefusedUnlessTheReceiverAllowsIt() throws {
        // v3 has no timestamp: a captured body replayed a year later with its headers stripped still has a valid
        // `sign`. Refused by default; accepted only by a receiver that says so.
        let strict = try verifier(at: Fixture.timestamp + 86_400 * 365)
        #expect(throws: WebhookVerificationError.signOnly) { try strict.verify(body: body, headers: [:]) }
        #expect(throws: WebhookVerificationError.signOnly) {
            try strict.verify(body: body, headers: [:], requiring: [.v3])
        }
        let lenient = try verifier(at: Fixture.timestamp + 86_400 * 365, allowingSignOnly: true)
        #expect(lenient.allowsSignOnly)
        #expect(try lenient.verify(body: body, headers: [:]).schemes == [.v3])
        #expect(
            WebhookVerificationError.signOnly.description.contains("replayed"),
            "the message says why: \(WebhookVerificationError.signOnly)"
        )
        // With a timestamped scheme beside it, `sign` is checked too.
        #expect(try verifier().verify(body: body, headers: fyatuHeaders()).schemes == [.v3, .fyatu])
    }

    // MARK: Several signatures and versions

    @Test(arguments: [
        "t=\(Fixture.timestamp),v1=\(String(repeating: "0", count: 64)),v1=MAC",
        "t=\(Fixture.timestamp),v1=MAC,v1=\(String(repeating: "0", count: 64))",
        "v1=nothex,t=\(Fixture.timestamp),v1=MAC",
        "t=\(Fixture.timestamp),v0=\(String(repeating: "0", count: 64)),v1=MAC,v2=zz",
        " t=\(Fixture.timestamp) , v1=MAC ",
    ])
    func fyatuHeaderWithOneMatchingEntry(_ template: String) throws {
        let header = template.replacingOccurrences(of: "MAC", with: fyatuMAC())
        #expect(try verifier().verify(body: body, headers: ["X-Fyatu-Signature": header]).schemes.contains(.fyatu))
    }

    @Test(arguments: [
        "v1,AAAA v1,MAC",
        "v1,MAC v1,AAAA",
        "v1a,MAC v1,MAC",
        "v2,xyz   v1,MAC",
        "v1,not-base64! v1,MAC",
    ])
    func standardHeaderWithOneMatchingEntry(_ template: String) throws {
        var headers = standardHeaders()
        headers["webhook-signature"] = template.replacingOccurrences(of: "MAC", with: standardMAC)
        #expect(try verifier().verify(body: body, headers: headers).schemes.contains(.standardWebhooks))
    }

    @Test func otherVersionsAreIgnoredEvenWithTheRightMAC() throws {
        #expect(throws: WebhookVerificationError.noMatchingSignature(.fyatu)) {
            try verifier().verify(
                body: body,
                headers: ["X-Fyatu-Signature": "t=\(Fixture.timestamp),v0=\(fyatuMAC()),v2=\(fyatuMAC())"]
            )
        }
        var headers = standardHeaders()
        headers["webhook-signature"] = "v2,\(standardMAC) v1a,\(standardMAC) V1,\(standardMAC)"
        #expect(throws: WebhookVerificationError.noMatchingSignature(.standardWebhooks)) {
            try verifier().verify(body: body, headers: headers)
        }
    }

    @Test func hexSignatureInUppercaseStillMatches() throws {
        let header = "t=\(Fixture.timestamp),v1=\(fyatuMAC().uppercased())"
        #expect(try verifier().verify(body: body, headers: ["X-Fyatu-Signature": header]).schemes.contains(.fyatu))
    }

    // MARK: Malformed and partial headers

    @Test(arguments: [
        "v1=MAC",
        "t=,v1=MAC",
        "t=abc,v1=MAC",
        "t=-5,v1=MAC",
        "t=1.5,v1=MAC",
        "t=99999999999999999999,v1=MAC",
        "t=1,t=2,v1=MAC",
        "t=TS,v1=MAC,",
        "t=TS,,v1=MAC",
        "t=TS;v1=MAC",
        "t=TS,garbage",
        "",
    ])
    func malformedFyatuHeader(_ template: String) throws {
        let header = template.replacingOccurrences(of: "MAC", with: fyatuMAC())
            .replacingOccurrences(of: "TS", with: String(Fixture.timestamp))
        #expect(throws: WebhookVerificationError.malformedHeader("X-Fyatu-Signature")) {
            try verifier().verify(body: body, headers: ["X-Fyatu-Signature": header])
        }
    }

    @Test(arguments: ["", "abc", "-1", "+1767225600", "1767225600.0", "0x10", "17672256 00"])
    func malformedStandardTimestamp(_ timestamp: String) throws {
        var headers = standardHeaders()
        headers["webhook-timestamp"] = timestamp
        #expect(throws: WebhookVerificationError.malformedHeader("webhook-timestamp")) {
            try verifier().verify(body: body, headers: headers)
        }
    }

    @Test func malformedStandardSignatureEntry() throws {
        var headers = standardHeaders()
        headers["webhook-signature"] = "v1,\(standardMAC) garbage"
        #expect(throws: WebhookVerificationError.malformedHeader("webhook-signature")) {
            try verifier().verify(body: body, headers: headers)
        }
    }

    @Test func emptyStandardSignatureMatchesNothing() throws {
        var headers = standardHeaders()
        headers["webhook-signature"] = ""
        #expect(throws: WebhookVerificationError.noMatchingSignature(.standardWebhooks)) {
            try verifier().verify(body: body, headers: headers)
        }
    }

    @Test(arguments: [
        (["webhook-signature"], "webhook-id"),
        (["webhook-id", "webhook-signature"], "webhook-timestamp"),
        (["webhook-timestamp", "webhook-signature"], "webhook-id"),
    ])
    func partialStandardHeaders(present: [String], missing: String) throws {
        let headers = standardHeaders().filter { present.contains($0.key) }
        #expect(throws: WebhookVerificationError.missingHeader(missing)) {
            try verifier().verify(body: body, headers: headers)
        }
    }

    /// hookd sends `webhook-id` and `webhook-timestamp` even when the operator switched Standard Webhooks
    /// signing off: without `webhook-signature` the scheme is absent, not broken.
    @Test func identificationHeadersWithoutASignatureAreNotTheScheme() throws {
        let headers = standardHeaders().filter { $0.key != "webhook-signature" }
        #expect(try verifier(allowingSignOnly: true).verify(body: body, headers: headers).schemes == [.v3])
        #expect(throws: WebhookVerificationError.missingHeader("webhook-signature")) {
            try verifier().verify(body: body, headers: headers, requiring: [.standardWebhooks])
        }
    }

    // MARK: Header names

    @Test(arguments: [
        ["x-fyatu-signature", "webhook-id", "webhook-timestamp", "webhook-signature"],
        ["X-FYATU-SIGNATURE", "WEBHOOK-ID", "WEBHOOK-TIMESTAMP", "WEBHOOK-SIGNATURE"],
        ["X-Fyatu-Signature", "Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"],
        ["x-FyAtU-sIgNaTuRe", "wEbHoOk-Id", "WeBhOoK-tImEsTaMp", "webhook-SIGNATURE"],
    ])
    func headerNamesAreCaseInsensitive(_ names: [String]) throws {
        let values = allHeaders
        let canonical = ["X-Fyatu-Signature", "webhook-id", "webhook-timestamp", "webhook-signature"]
        var headers: [String: String] = [:]
        for (name, key) in zip(names, canonical) { headers[name] = values[key] }
        #expect(try verifier().verify(body: body, headers: headers).schemes == [.v3, .fyatu, .standardWebhooks])
    }

    @Test func headerValuesAreTrimmed() throws {
        let headers = allHeaders.mapValues { " \($0)\t" }
        #expect(try verifier().verify(body: body, headers: headers).schemes.count == 3)
    }

    @Test func sameHeaderTwiceInDifferentCase() throws {
        var headers = allHeaders
        headers["WEBHOOK-ID"] = Fixture.eventId
        #expect(try verifier().verify(body: body, headers: headers).schemes.count == 3)

        headers["WEBHOOK-ID"] = "another-id"
        #expect(throws: WebhookVerificationError.malformedHeader("webhook-id")) {
            try verifier().verify(body: body, headers: headers)
        }
    }

    @Test func onlyASCIICaseFolding() throws {
        // "K" (U+212A KELVIN SIGN) lowercases to "k" under Unicode rules; it must not spell "webhook".
        var headers: [String: String] = [:]
        for (key, value) in standardHeaders() {
            headers[key.replacingOccurrences(of: "k", with: "\u{212A}")] = value
        }
        #expect(try verifier(allowingSignOnly: true).verify(body: body, headers: headers).schemes == [.v3])
    }

    // MARK: Secrets of any shape (SPEC §11)

    static let bareHexSecret = "fcea2f670c848ae7f0adc4ca18f4f39d14a0468e75ea2e7f0ca4cbfd0fff5af5"

    @Test(arguments: [bareHexSecret, "whsec_SR5j5YGbwaF3HnJm1TR9NJ4I45F", "whsec_not*base64"])
    func aSecretThatCannotCheckStandardWebhooksRefusesAWebhookSignature(_ secret: String) throws {
        let bareSigner = try WebhookSigner(secret: secret)
        let body = Fixture.body(signer: bareSigner)
        let fyatu = bareSigner.fyatuSignatureHeader(timestamp: Fixture.timestamp, body: body)
        let verifier = try WebhookVerifier(secret: secret, now: Fixture.clock(Fixture.timestamp))

        // Without webhook-signature: v3 and X-Fyatu-Signature verify with the secret as it is.
        let identification = ["webhook-id": Fixture.eventId, "webhook-timestamp": String(Fixture.timestamp)]
        var headers = identification.merging(["X-Fyatu-Signature": fyatu]) { first, _ in first }
        #expect(try verifier.verify(body: body, headers: headers).schemes == [.v3, .fyatu])

        // With one, whatever it holds, the delivery is refused by name: never passed with it unchecked.
        for signature in [standardMAC, "v1,\(standardMAC)", "v1,AAAA v1,\(standardMAC)", ""] {
            headers["Webhook-Signature"] = signature
            #expect(throws: WebhookVerificationError.secretCannotVerify(.standardWebhooks)) {
                try verifier.verify(body: body, headers: headers)
            }
        }
        // Even with the other two headers absent, and when the caller insists on the scheme.
        #expect(throws: WebhookVerificationError.secretCannotVerify(.standardWebhooks)) {
            try verifier.verify(body: body, headers: ["webhook-signature": "v1,AAAA"])
        }
        #expect(throws: WebhookVerificationError.secretCannotVerify(.standardWebhooks)) {
            try verifier.verify(body: body, headers: [:], requiring: [.standardWebhooks])
        }
        // The same secret still refuses a forgery on the schemes it can check.
        headers = ["X-Fyatu-Signature": "t=\(Fixture.timestamp),v1=" + String(repeating: "0", count: 64)]
        #expect(throws: WebhookVerificationError.noMatchingSignature(.fyatu)) {
            try verifier.verify(body: body, headers: headers)
        }
    }

    @Test func theSameStringWithAndWithoutThePrefixAreDifferentSecrets() throws {
        // Nothing strips or adds "whsec_": the string is the secret.
        let prefixed = "whsec_" + Self.bareHexSecret
        let signer = try WebhookSigner(secret: prefixed)
        #expect(signer.supportedSchemes == Set(SignatureScheme.allCases))
        let body = Fixture.body(signer: signer)
        let headers = ["X-Fyatu-Signature": signer.fyatuSignatureHeader(timestamp: Fixture.timestamp, body: body)]
        let bare = try WebhookVerifier(secret: Self.bareHexSecret, now: Fixture.clock(Fixture.timestamp))
        #expect(throws: WebhookVerificationError.noMatchingSignature(.fyatu)) {
            try bare.verify(body: body, headers: headers)
        }
        let same = try WebhookVerifier(secret: prefixed, now: Fixture.clock(Fixture.timestamp))
        #expect(try same.verify(body: body, headers: headers).schemes == [.v3, .fyatu])
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

    // MARK: Secrets and what errors say

    @Test func descriptionsNeverContainSecretsOrSignatures() throws {
        let verifier = try verifier()
        let secretRemainder = String(Fixture.secret.dropFirst(6))
        var errors: [WebhookVerificationError] = [.invalidSecret, .noSignature, .secretCannotVerify(.standardWebhooks)]
        let attempts: [([UInt8], [String: String])] = [
            (body, ["X-Fyatu-Signature": "t=\(Fixture.timestamp),v1=" + String(repeating: "ab", count: 32)]),
            (body, standardHeaders().merging(["webhook-signature": "v1,AAAA"]) { _, new in new }),
            (Array(#"{"sign":"00","data":{}}"#.utf8), [:]),
            (Array(#"{"sign":"00","data":{"#.utf8), [:]),
        ]
        for (body, headers) in attempts {
            do {
                _ = try verifier.verify(body: body, headers: headers)
                Issue.record("a forged delivery was accepted")
            } catch {
                errors.append(error)
            }
        }
        #expect(errors.count == 7)
        let secrets = [Fixture.secret, secretRemainder, fyatuMAC(), standardMAC, signer.v3Sign(data: Array("{}".utf8))]
        for error in errors {
            for secret in secrets { #expect(!error.description.contains(secret)) }
        }
        for text in ["\(verifier)", String(reflecting: verifier), "\(signer)", String(reflecting: signer)] {
            #expect(!text.contains(secretRemainder))
        }
        var dumped = ""
        dump(signer, to: &dumped)
        dump(verifier, to: &dumped)
        #expect(!dumped.contains(secretRemainder))
        #expect(!dumped.contains("Hasher"))
    }

    @Test func errorDescriptions() {
        #expect(
            WebhookVerificationError.secretCannotVerify(.standardWebhooks).description
                == #"the webhook secret cannot check standard-webhooks signatures, which need a secret of "whsec_" "#
                + "followed by standard base64"
        )
        #expect(WebhookVerificationError.secretCannotVerify(.standardWebhooks) != .secretCannotVerify(.fyatu))
        #expect(WebhookVerificationError.missingHeader("webhook-id").description == "missing header webhook-id")
        #expect(
            WebhookVerificationError.noMatchingSignature(.standardWebhooks).description
                == "no matching standard-webhooks signature"
        )
        #expect(
            WebhookVerificationError.timestampTooOld(.fyatu).description
                == "x-fyatu-signature timestamp is older than the tolerance allows"
        )
        #expect(WebhookVerificationError.malformedBody(.notAnObject, at: 3) != .malformedBody(.notAnObject, at: 4))
        #expect(WebhookVerificationError.timestampTooOld(.fyatu) != .timestampInFuture(.fyatu))
    }
}
