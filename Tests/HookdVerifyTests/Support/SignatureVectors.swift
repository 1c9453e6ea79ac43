import Foundation
import HookdVerify
import Testing

/// One case of `Tests/Vectors/signature-vectors.json`, written by `make_signature_vectors.py` from the spec's formulas.
struct SignatureVector: Decodable, Sendable, CustomTestStringConvertible {
    /// What each scheme must come to, as the spec's formulas compute it.
    struct Expected: Decodable, Sendable {
        /// v3: the body's `sign`, hex HMAC of the data value's bytes.
        let sign: String
        /// The `X-Fyatu-Signature` header, `t=<timestamp>,v1=<hex>`.
        let xFyatuSignature: String
        /// The `webhook-signature` header, `v1,<base64>`.
        let webhookSignature: String
    }

    let name: String
    let secret: String
    let eventId: String
    let event: String
    let timestamp: Int64
    let body: String
    let bodyBase64: String
    let dataRange: [Int]
    let expected: Expected

    var testDescription: String { name }

    /// The body's exact bytes (the base64 form is authoritative).
    var bodyBytes: [UInt8] { [UInt8](Data(base64Encoded: bodyBase64)!) }

    var data: Range<Int> { dataRange[0]..<dataRange[1] }

    /// A clock stopped at the vector's timestamp.
    var clock: @Sendable () -> Date {
        let instant = Date(timeIntervalSince1970: TimeInterval(timestamp))
        return { instant }
    }

    var fyatuHeaders: [String: String] { ["X-Fyatu-Signature": expected.xFyatuSignature] }

    var standardHeaders: [String: String] {
        [
            "webhook-id": eventId,
            "webhook-timestamp": String(timestamp),
            "webhook-signature": expected.webhookSignature,
        ]
    }

    var allHeaders: [String: String] { fyatuHeaders.merging(standardHeaders) { first, _ in first } }
}

enum SignatureVectors {
    struct File: Decodable {
        let cases: [SignatureVector]
    }

    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // HookdVerifyTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Vectors/signature-vectors.json")

    static func load() throws -> [SignatureVector] {
        try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }

    /// The cases for `@Test(arguments:)`; empty if the file cannot be read, which `vectorsLoad` reports.
    static let all: [SignatureVector] = (try? load()) ?? []
}

/// Helpers shared by the suites.
enum Fixture {
    static let secret = "whsec_v0t72r5ad28n9xw87eea2t6axg09ugb6"
    static let otherSecret = "whsec_vqsizb4yadsillfl5enk4y5zobehy5jf"
    static let timestamp: Int64 = 1_767_225_600
    static let eventId = "0b6e0f36-6a8e-4f47-9b0b-6c1f3a2d9e10"

    static func clock(_ seconds: Int64) -> @Sendable () -> Date {
        let instant = Date(timeIntervalSince1970: TimeInterval(seconds))
        return { instant }
    }

    /// A hookd-shaped body whose `sign` is computed by `signer` over `data`.
    static func body(signer: WebhookSigner, data: String = #"{"cardId":"crd_1","amount":"25.00"}"#) -> [UInt8] {
        let sign = signer.v3Sign(data: Array(data.utf8))
        let text = #"{"event":"card.funded","version":"3.0","eventId":"\#(eventId)","sign":"\#(sign)","data":\#(data)}"#
        return Array(text.utf8)
    }
}

extension Array where Element == UInt8 {
    /// The bytes as text, for readable expectations.
    var text: String { String(decoding: self, as: UTF8.self) }
}
