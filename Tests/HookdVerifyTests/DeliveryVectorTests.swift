import Foundation
import HookdVerify
import Testing

/// v3.20 deliveries, secrets of any shape and rotation overlap, against vectors computed independently
/// (Python stdlib) from the spec's formulas.
@Suite struct DeliveryVectorTests {
    /// The table holds what the tests below rely on (`SignatureVectorTests.vectorsLoad` checks that it loads).
    @Test func deliveryVectorsCoverTheCases() throws {
        let vectors = try DeliveryVectors.load()
        #expect(vectors.contains { $0.format == "v3.20" && $0.secrets.count == 1 })
        #expect(vectors.contains { $0.format == "v3" && $0.secrets.allSatisfy { $0.standardKeyBase64 == nil } })
        #expect(vectors.contains { $0.secrets.count == 2 && $0.secrets.allSatisfy { $0.standardKeyBase64 != nil } })
        #expect(
            vectors.contains { vector in
                vector.expected.webhookSignature != nil && vector.secrets.contains { $0.standardKeyBase64 == nil }
            }
        )
    }

    // MARK: Signing

    @Test(arguments: DeliveryVectors.all)
    func signersReproduceVector(_ vector: DeliveryVector) throws {
        let signers = try vector.secrets.map { try WebhookSigner(secret: $0.secret) }
        let body = vector.bodyBytes
        #expect(
            WebhookSigner.fyatuSignatureHeader(signers: signers, timestamp: vector.timestamp, body: body)
                == vector.expected.xFyatuSignature
        )
        #expect(
            WebhookSigner.standardSignatureHeader(
                signers: signers,
                id: vector.eventId,
                timestamp: vector.timestamp,
                body: body
            ) == vector.expected.webhookSignature
        )
        for (signer, secret) in zip(signers, vector.secrets) {
            #expect(signer.supportedSchemes.contains(.standardWebhooks) == (secret.standardKeyBase64 != nil))
        }
        if let sign = vector.expected.sign {
            #expect(signers.count == 1, "v3 URLs never overlap")
            #expect(signers.first?.v3Sign(data: body[vector.data]) == sign)
        }
        if let signer = signers.first, signers.count == 1 {
            #expect(
                signer.fyatuSignatureHeader(timestamp: vector.timestamp, body: body) == vector.expected.xFyatuSignature
            )
            #expect(
                signer.standardSignatureHeader(id: vector.eventId, timestamp: vector.timestamp, body: body)
                    == vector.expected.webhookSignature
            )
        }
    }

    // MARK: Verifying

    @Test(arguments: DeliveryVectors.all)
    func everySecretInForceVerifiesWhatItCan(_ vector: DeliveryVector) throws {
        let body = vector.bodyBytes
        for secret in vector.secrets {
            let verifier = try WebhookVerifier(secret: secret.secret, now: vector.clock)
            let delivery: VerifiedDelivery
            if vector.expected.webhookSignature != nil, secret.standardKeyBase64 == nil {
                // A present signature this secret cannot check is refused, never skipped...
                #expect(throws: WebhookVerificationError.secretCannotVerify(.standardWebhooks)) {
                    try verifier.verify(body: body, headers: vector.headers)
                }
                // ...until the receiver decides in its own code to do without it.
                delivery = try verifier.verify(body: body, headers: vector.headersWithoutStandardSignature)
                #expect(delivery.schemes == vector.presentSchemes.subtracting([.standardWebhooks]))
            } else {
                delivery = try verifier.verify(body: body, headers: vector.headers)
                #expect(delivery.schemes == vector.presentSchemes)
            }
            #expect(delivery.eventId == vector.eventId)
            #expect(delivery.event == vector.event)
            #expect(delivery.environment == vector.environment)
            #expect(delivery.businessId == vector.businessId)
            #expect(delivery.dataRange == vector.data)
        }
    }

    @Test(arguments: DeliveryVectors.all)
    func oneByteChangeInBodyOrSecretIsRefused(_ vector: DeliveryVector) throws {
        // The first character of the data's first key, or of the eventId when the data is `{}`.
        var changed = vector.bodyBytes
        let eventID = try #require(SignatureVectorTests.firstRange(of: Array(vector.eventId.utf8), in: changed))
        let target = changed[vector.data].firstIndex(of: UInt8(ascii: "\"")).map { $0 + 1 } ?? eventID.lowerBound
        changed[target] = SignatureVectorTests.nextLetter(changed[target])
        for secret in vector.secrets {
            let verifier = try WebhookVerifier(secret: secret.secret, now: vector.clock)
            let checkable = secret.standardKeyBase64 == nil ? vector.headersWithoutStandardSignature : vector.headers
            #expect(throws: WebhookVerificationError.noMatchingSignature(.fyatu)) {
                try verifier.verify(body: changed, headers: checkable)
            }
        }

        var secret = Array(try #require(vector.secrets.first).secret.utf8)
        secret[secret.count - 1] = SignatureVectorTests.nextLetter(secret[secret.count - 1])
        let stranger = try WebhookVerifier(secret: secret.text, now: vector.clock)
        #expect(throws: WebhookVerificationError.noMatchingSignature(.fyatu)) {
            try stranger.verify(body: vector.bodyBytes, headers: vector.headersWithoutStandardSignature)
        }
        if vector.expected.sign != nil {
            #expect(throws: WebhookVerificationError.noMatchingSignature(.v3)) {
                try stranger.verify(body: vector.bodyBytes, headers: [:])
            }
        }
    }

    /// During an overlap each secret matches its own entry: without it, the delivery fails for that secret alone.
    @Test(arguments: DeliveryVectors.all.filter { $0.secrets.count == 2 })
    func eachSecretMatchesItsOwnOverlapEntry(_ vector: DeliveryVector) throws {
        let body = vector.bodyBytes
        let fyatuEntries = vector.expected.xFyatuSignature.split(separator: ",").dropFirst().map(String.init)
        #expect(fyatuEntries.count == 2)
        let standardEntries = vector.expected.webhookSignature?.split(separator: " ").map(String.init) ?? []
        let capable = vector.secrets.filter { $0.standardKeyBase64 != nil }
        #expect(standardEntries.count == capable.count)

        for (index, secret) in vector.secrets.enumerated() {
            let verifier = try WebhookVerifier(secret: secret.secret, now: vector.clock)
            var headers = vector.headersWithoutStandardSignature
            headers["X-Fyatu-Signature"] = "t=\(vector.timestamp),\(fyatuEntries[1 - index])"
            #expect(throws: WebhookVerificationError.noMatchingSignature(.fyatu)) {
                try verifier.verify(body: body, headers: headers)
            }
            headers["X-Fyatu-Signature"] = "t=\(vector.timestamp),\(fyatuEntries[index])"
            #expect(try verifier.verify(body: body, headers: headers).schemes == [.fyatu])
        }
        guard capable.count == 2 else { return }
        for (index, secret) in capable.enumerated() {
            let verifier = try WebhookVerifier(secret: secret.secret, now: vector.clock)
            var headers = vector.headers.filter { $0.key != "X-Fyatu-Signature" }
            headers["webhook-signature"] = standardEntries[1 - index]
            #expect(throws: WebhookVerificationError.noMatchingSignature(.standardWebhooks)) {
                try verifier.verify(body: body, headers: headers)
            }
            headers["webhook-signature"] = standardEntries[index]
            #expect(try verifier.verify(body: body, headers: headers).schemes == [.standardWebhooks])
        }
    }
}
