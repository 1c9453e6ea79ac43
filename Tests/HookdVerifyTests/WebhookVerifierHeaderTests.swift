import Foundation
import HookdVerify
import Testing

/// Signature headers as receivers get them: several entries and versions, malformed or partial, in any case.
@Suite struct WebhookVerifierHeaderTests: SignedWebhookTesting {
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
}
