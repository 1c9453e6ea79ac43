import Foundation
import HookdVerify

/// What the verifier's suites share: a body signed with ``Fixture/secret``, its headers in each scheme, and a
/// verifier whose clock reads the fixture's timestamp unless told otherwise.
protocol SignedWebhookTesting {}

extension SignedWebhookTesting {
    /// The signer of ``Fixture/secret``.
    var signer: WebhookSigner { SignedWebhook.signer }
    /// A hookd-shaped body signed by ``signer``.
    var body: [UInt8] { SignedWebhook.body }

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
}

/// The signer and body every suite reads, made once.
private enum SignedWebhook {
    // Fixture.secret is a well-formed secret: the signer cannot fail to be made.
    static let signer = try! WebhookSigner(secret: Fixture.secret)
    static let body = Fixture.body(signer: signer)
}
