import Foundation
import HookdVerify
import Testing

/// One of the `deliveries` of `Tests/Vectors/signature-vectors.json`: a v3 or v3.20 delivery signed by one or more
/// secrets of any shape, written by `make_signature_vectors.py` from the spec's formulas (SPEC.md §5.1, §11).
struct DeliveryVector: Decodable, Sendable, CustomTestStringConvertible {
    /// A secret in force when the delivery was signed, and what the generator derived from it.
    struct Secret: Decodable, Sendable {
        let secret: String
        let fyatuKey: String
        /// `nil` when the secret is not `whsec_` + base64, so it cannot make or check a `webhook-signature`.
        let standardKeyBase64: String?
    }

    struct Expected: Decodable, Sendable {
        let sign: String?
        let xFyatuSignature: String
        let webhookSignature: String?
    }

    let name: String
    let format: String
    let secrets: [Secret]
    let eventId: String
    let event: String
    let businessId: String?
    let environment: String?
    let timestamp: Int64
    let body: String
    let bodyBase64: String
    let dataRange: [Int]
    let headers: [String: String]
    let expected: Expected

    var testDescription: String { name }

    /// The body's exact bytes (the base64 form is authoritative).
    var bodyBytes: [UInt8] { [UInt8](Data(base64Encoded: bodyBase64)!) }

    var data: Range<Int> { dataRange[0]..<dataRange[1] }

    /// A clock stopped at the vector's timestamp.
    var clock: @Sendable () -> Date { Fixture.clock(timestamp) }

    /// The schemes the delivery carries.
    var presentSchemes: Set<SignatureScheme> {
        var schemes: Set<SignatureScheme> = [.fyatu]
        if expected.sign != nil { schemes.insert(.v3) }
        if expected.webhookSignature != nil { schemes.insert(.standardWebhooks) }
        return schemes
    }

    /// The headers without `webhook-signature`, as a receiver that chose to do without it passes them.
    var headersWithoutStandardSignature: [String: String] { headers.filter { $0.key != "webhook-signature" } }
}

enum DeliveryVectors {
    struct File: Decodable {
        let deliveries: [DeliveryVector]
    }

    static func load() throws -> [DeliveryVector] {
        try JSONDecoder().decode(File.self, from: Data(contentsOf: SignatureVectors.url)).deliveries
    }

    /// The cases for `@Test(arguments:)`; empty if the file cannot be read, which `SignatureVectorTests.vectorsLoad` reports.
    static let all: [DeliveryVector] = (try? load()) ?? []
}
