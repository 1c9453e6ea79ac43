import Foundation
import HookdVerify
import Testing

/// The usage examples in the doc comments of `Sources/HookdVerify`, compiled and run verbatim.
///
/// `everyExampleIsHere` keeps the two in step: each ```swift block of the sources must appear,
/// line for line (indentation aside), in this file.
@Suite struct DocumentationExampleTests {
    @Test func documentationExample() throws {
        let configuration = ExampleConfiguration(webhookSecret: "whsec_565neenmxl0h850i31rqdvv3ldsdrp0u")
        let verifier = try WebhookVerifier(
            secret: configuration.webhookSecret,  // the app's whsec_… secret, never a literal
            // Leave `now` out in production: it defaults to the system clock.
            now: { Date(timeIntervalSince1970: 1_767_225_600) }
        )
        let body = Array(
            (#"{"event":"card.funded","version":"3.0","eventId":"5f0c2a1e-8d4b-4c6f-9a3e-2b7d1e0f4c88","#
                + #""sign":"5e4c7a36d0e94bd09aef1052fe60ce27c5550473c8d7e2a2e19acecd0dae7ee0","#
                + #""data":{"cardId":"crd_7f3a","amount":"25.00","currency":"USD"}}"#).utf8
        )
        let headers = [
            "Content-Type": "application/json",
            "X-Fyatu-Signature": "t=1767225600,v1=5fa6667735ef8db3dd9d272e14b7947dd9eff0ecf4ac16c39dde9fa80721ee71",
            "webhook-id": "5f0c2a1e-8d4b-4c6f-9a3e-2b7d1e0f4c88",
            "webhook-timestamp": "1767225600",
            "webhook-signature": "v1,DFlAPXL56GeTxDcrpilcs2H0ZshrtAiS3Tr8MspA8c8=",
        ]
        let delivery = try verifier.verify(body: body, headers: headers)
        // delivery.schemes == [.v3, .fyatu, .standardWebhooks], delivery.event == "card.funded";
        // deduplicate on delivery.eventId, then decode the payload from body[delivery.dataRange!].

        #expect(delivery.schemes == [.v3, .fyatu, .standardWebhooks])
        #expect(delivery.event == "card.funded")
        #expect(delivery.eventId == "5f0c2a1e-8d4b-4c6f-9a3e-2b7d1e0f4c88")
        #expect(Array(body[delivery.dataRange!]).text == #"{"cardId":"crd_7f3a","amount":"25.00","currency":"USD"}"#)

        // VerifiedDelivery's example, with the verifier, body and headers above.
        do {
            let delivery = try verifier.verify(body: body, headers: headers)
            let payload = delivery.dataRange.map { body[$0] }  // exactly the bytes the v3 `sign` covers
            #expect(payload.map { Array($0).text } == #"{"cardId":"crd_7f3a","amount":"25.00","currency":"USD"}"#)
        }
    }

    @Test func errorExample() throws {
        let configuration = ExampleConfiguration(webhookSecret: "whsec_565neenmxl0h850i31rqdvv3ldsdrp0u")
        let verifier = try WebhookVerifier(secret: configuration.webhookSecret)
        var rejection: WebhookVerificationError?
        do {
            _ = try verifier.verify(body: Array(#"{"event":"card.funded","data":{}}"#.utf8), headers: [:])
        } catch {
            rejection = error  // typed throws: `error` is a WebhookVerificationError
        }
        // rejection == .noSignature, and "\(rejection!)" is safe to log.

        #expect(rejection == .noSignature)
    }

    @Test func signerExample() throws {
        let configuration = ExampleConfiguration(webhookSecret: "whsec_2otn7ktenxpufe0ux8ka8jv71t73tldi")
        let secret = configuration.webhookSecret  // the app's whsec_… secret, never a literal
        let signer = try WebhookSigner(secret: secret)
        let data = Array(#"{"cardId":"crd_1","amount":"25.00"}"#.utf8)
        let sign = signer.v3Sign(data: data)
        let envelope = #"{"event":"card.funded","version":"3.0","eventId":"evt_1","sign":"\#(sign)","data":"#
        let body = Array(envelope.utf8) + data + Array("}".utf8)
        let fyatu = signer.fyatuSignatureHeader(timestamp: 1_767_225_600, body: body)  // t=1767225600,v1=…
        let standard = signer.standardSignatureHeader(id: "evt_1", timestamp: 1_767_225_600, body: body)  // v1,…

        let verifier = try WebhookVerifier(
            secret: "whsec_2otn7ktenxpufe0ux8ka8jv71t73tldi",
            now: { Date(timeIntervalSince1970: 1_767_225_600) }
        )
        let headers = [
            "X-Fyatu-Signature": fyatu, "webhook-id": "evt_1", "webhook-timestamp": "1767225600",
            "webhook-signature": try #require(standard),
        ]
        #expect(try verifier.verify(body: body, headers: headers).schemes == [.v3, .fyatu, .standardWebhooks])
    }

    @Test func signerInitExample() throws {
        let configuration = ExampleConfiguration(
            webhookSecret: "fcea2f670c848ae7f0adc4ca18f4f39d14a0468e75ea2e7f0ca4cbfd0fff5af5"
        )
        let bare = try WebhookSigner(secret: configuration.webhookSecret)  // for example 64 hex digits, no prefix
        let schemes = bare.supportedSchemes  // [.v3, .fyatu]: a bare secret cannot serve Standard Webhooks

        #expect(schemes == [.v3, .fyatu])
    }

    @Test func overlapExamples() throws {
        let newSecret = "whsec_fe3c4621eec15213eef7649c9f20f3f53f3f24b745a11d6381a64fe6284bd0ef"
        let oldSecret = "whsec_2otn7ktenxpufe0ux8ka8jv71t73tldi"
        let body = Array(#"{"event":"CARD_FUNDED","eventId":"evt_1","data":{}}"#.utf8)
        let signers = [try WebhookSigner(secret: newSecret), try WebhookSigner(secret: oldSecret)]
        let fyatu = WebhookSigner.fyatuSignatureHeader(signers: signers, timestamp: 1_767_225_600, body: body)
        // "t=1767225600,v1=<by newSecret>,v1=<by oldSecret>"
        let standard = WebhookSigner.standardSignatureHeader(
            signers: signers,
            id: "evt_1",
            timestamp: 1_767_225_600,
            body: body
        )  // "v1,<by newSecret> v1,<by oldSecret>"

        #expect(fyatu?.split(separator: ",").count == 3)
        #expect(standard?.split(separator: " ").count == 2)
        let headers = [
            "X-Fyatu-Signature": try #require(fyatu), "webhook-id": "evt_1", "webhook-timestamp": "1767225600",
            "webhook-signature": try #require(standard),
        ]
        for secret in [newSecret, oldSecret] {
            let verifier = try WebhookVerifier(secret: secret, now: { Date(timeIntervalSince1970: 1_767_225_600) })
            #expect(try verifier.verify(body: body, headers: headers).schemes == [.fyatu, .standardWebhooks])
        }
    }

    @Test func secretCannotVerifyExample() throws {
        let configuration = ExampleConfiguration(
            webhookSecret: "fcea2f670c848ae7f0adc4ca18f4f39d14a0468e75ea2e7f0ca4cbfd0fff5af5"
        )
        let now = Int64(Date().timeIntervalSince1970)
        let signer = try WebhookSigner(secret: configuration.webhookSecret)
        let body = Array(#"{"event":"CARD_FUNDED","eventId":"evt_1","data":{}}"#.utf8)
        let headers = [
            "X-Fyatu-Signature": signer.fyatuSignatureHeader(timestamp: now, body: body),
            "Webhook-Id": "evt_1", "Webhook-Timestamp": String(now), "Webhook-Signature": "v1,c2lnbmVkIGVsc2V3aGVyZQ==",
        ]
        #expect(throws: WebhookVerificationError.secretCannotVerify(.standardWebhooks)) {
            try WebhookVerifier(secret: configuration.webhookSecret).verify(body: body, headers: headers)
        }

        let verifier = try WebhookVerifier(secret: configuration.webhookSecret)  // a bare secret: 64 hex digits
        // A decision made in the open: this receiver does without the Standard Webhooks signature.
        let checkable = headers.filter { $0.key.lowercased() != WebhookHeaderName.webhookSignature }
        let delivery = try verifier.verify(body: body, headers: checkable)  // v3 sign and X-Fyatu-Signature

        #expect(delivery.schemes == [.fyatu])
    }

    @Test func scannerExample() throws {
        let body = Array(#"{"event":"card.funded","data":{"cardId":"crd_1","amount":"25.00"}}"#.utf8)
        let range = try DataValueScanner.rangeOfData(in: body)
        let data = String(decoding: body[range], as: UTF8.self)  // {"cardId":"crd_1","amount":"25.00"}

        #expect(data == #"{"cardId":"crd_1","amount":"25.00"}"#)
    }

    @Test func encodingExamples() {
        let hex = Hex.encode([0xde, 0xad])  // "dead"
        let bytes = Hex.decode("DEad")  // [0xde, 0xad]
        let encoded = Base64.encode(Array("hi".utf8))  // "aGk="
        let decoded = Base64.decode("aGk=")  // [0x68, 0x69]

        #expect(hex == "dead")
        #expect(bytes == [0xde, 0xad])
        #expect(encoded == "aGk=")
        #expect(decoded == [0x68, 0x69])
    }

    @Test func schemeExample() {
        let names = SignatureScheme.allCases.map(\.rawValue)  // ["v3", "x-fyatu-signature", "standard-webhooks"]
        let insisted: Set<SignatureScheme> = [.standardWebhooks]  // for verify(body:headers:requiring:)

        #expect(names == ["v3", "x-fyatu-signature", "standard-webhooks"])
        #expect(insisted.map(\.description) == ["standard-webhooks"])
    }

    @Test func headerNameExample() throws {
        let configuration = ExampleConfiguration(webhookSecret: "whsec_2otn7ktenxpufe0ux8ka8jv71t73tldi")
        let secret = configuration.webhookSecret  // the app's whsec_… secret, never a literal
        let signer = try WebhookSigner(secret: secret)
        let body = Array(#"{"event":"webhook.test","data":{"_test":true}}"#.utf8)
        let signature = signer.standardSignatureHeader(id: "evt_1", timestamp: 1_767_225_600, body: body)
        var headers = [
            WebhookHeaderName.webhookID: "evt_1",
            WebhookHeaderName.webhookTimestamp: "1767225600",
        ]
        headers[WebhookHeaderName.webhookSignature] = signature  // nil (left out) unless whsec_ + base64

        let verifier = try WebhookVerifier(
            secret: "whsec_2otn7ktenxpufe0ux8ka8jv71t73tldi",
            now: { Date(timeIntervalSince1970: 1_767_225_600) }
        )
        #expect(try verifier.verify(body: body, headers: headers).schemes == [.standardWebhooks])
    }

    @Test func signingKeyExamples() throws {
        let sealedKeyBytes = Ed25519SignatureTests.seed
        let body = Ed25519SignatureTests.body
        let key = try WebhookSigningKey(rawRepresentation: sealedKeyBytes)  // the endpoint's key, unsealed
        let signature = key.standardSignatureHeader(id: "evt_1", timestamp: 1_767_225_600, body: body)  // v1a,…
        let published = key.publicKey.description  // whpk_…, safe to show

        #expect(signature == Ed25519SignatureTests.signature)
        #expect(published == Ed25519SignatureTests.publicKey)
        let opened = try WebhookSigningKey(privateKeyText: key.privateKeyText)  // as hookd seals and opens it
        #expect(opened.publicKey == key.publicKey)

        let newKey = try WebhookSigningKey(rawRepresentation: Ed25519SignatureTests.otherSeed)
        let oldKey = key
        let header = WebhookSigningKey.standardSignatureHeader(
            keys: [newKey, oldKey],
            id: "evt_1",
            timestamp: 1_767_225_600,
            body: body
        )  // "v1a,<by newKey> v1a,<by oldKey>"

        #expect(header == "\(Ed25519SignatureTests.otherSignature) \(Ed25519SignatureTests.signature)")
    }

    @Test func publicKeyExamples() throws {
        let configuration = PublicKeyConfiguration(webhookPublicKey: Ed25519SignatureTests.publicKey)
        let headers = [
            "webhook-id": "evt_1", "webhook-timestamp": "1767225600",
            "webhook-signature": Ed25519SignatureTests.signature,
        ]
        do {
            let key = try WebhookPublicKey(configuration.webhookPublicKey)  // whpk_…, as the endpoint's create answered
            let verifier = try WebhookVerifier(publicKeys: [key.description])
            #expect(throws: WebhookVerificationError.timestampTooOld(.standardWebhooks)) {
                try verifier.verify(body: Ed25519SignatureTests.body, headers: headers)
            }
        }
        // The keys from the endpoint's publicKeysUrl, or the publicKey its create answered; two during an overlap.
        let verifier = try WebhookVerifier(publicKeys: [configuration.webhookPublicKey])
        #expect(verifier.supportedSchemes == [.standardWebhooks])
    }

    /// Where the public-key examples read the key from.
    struct PublicKeyConfiguration {
        let webhookPublicKey: String
    }

    /// Where the examples read the secret from: the receiver's own configuration.
    struct ExampleConfiguration {
        let webhookSecret: String
    }

    // MARK: Keeping examples and tests in step

    static let sources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // HookdVerifyTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("Sources/HookdVerify")

    /// The ```swift blocks of a source file's `///` comments, each as lines without indentation.
    static func examples(in source: String) -> [[String]] {
        var blocks: [[String]] = []
        var current: [String]?
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " }
            guard trimmed.hasPrefix("///") else { continue }
            let text = trimmed.dropFirst(3).trimmingCharacters(in: .whitespaces)
            if current == nil, text == "```swift" {
                current = []
            } else if let block = current, text == "```" {
                blocks.append(block)
                current = nil
            } else if current != nil {
                current!.append(text)
            }
        }
        return blocks
    }

    @Test func everyExampleIsHere() throws {
        let tests = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.sources.path).filter {
            $0.hasSuffix(".swift")
        }
        var count = 0
        for file in files.sorted() {
            let source = try String(contentsOf: Self.sources.appendingPathComponent(file), encoding: .utf8)
            for block in Self.examples(in: source) {
                count += 1
                let found = tests.indices.contains { start in
                    start + block.count <= tests.count && Array(tests[start..<(start + block.count)]) == block
                }
                #expect(
                    found,
                    "the example in \(file) starting \"\(block.first ?? "")\" is not in DocumentationExampleTests"
                )
            }
        }
        #expect(count >= 15)
    }
}
