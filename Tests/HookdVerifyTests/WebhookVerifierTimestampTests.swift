import Foundation
import HookdVerify
import Testing

/// How old or how far ahead a signed timestamp may be, and the v3 body that has none.
@Suite struct WebhookVerifierTimestampTests: SignedWebhookTesting {
    @Test(
        arguments: [
            (.fyatu, -301, WebhookVerificationError.timestampInFuture(.fyatu)),
            (.fyatu, -300, nil),
            (.fyatu, 0, nil),
            (.fyatu, 300, nil),
            (.fyatu, 301, WebhookVerificationError.timestampTooOld(.fyatu)),
            (.fyatu, 86_400, WebhookVerificationError.timestampTooOld(.fyatu)),
            (.standardWebhooks, -301, WebhookVerificationError.timestampInFuture(.standardWebhooks)),
            (.standardWebhooks, -300, nil),
            (.standardWebhooks, 0, nil),
            (.standardWebhooks, 300, nil),
            (.standardWebhooks, 301, WebhookVerificationError.timestampTooOld(.standardWebhooks)),
        ] as [(SignatureScheme, Int64, WebhookVerificationError?)]
    )
    func timestampTolerance(scheme: SignatureScheme, clockOffset: Int64, error: WebhookVerificationError?) throws {
        let verifier = try verifier(at: Fixture.timestamp + clockOffset)
        let headers = scheme == .fyatu ? fyatuHeaders() : standardHeaders()
        if let error {
            #expect(throws: error) { try verifier.verify(body: body, headers: headers) }
        } else {
            #expect(try verifier.verify(body: body, headers: headers).schemes.contains(scheme))
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
}
