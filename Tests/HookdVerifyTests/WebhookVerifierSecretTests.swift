import Foundation
import HookdVerify
import Testing

/// Secrets of any shape (SPEC §11), and that no description shows a secret or a signature.
@Suite struct WebhookVerifierSecretTests: SignedWebhookTesting {
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
