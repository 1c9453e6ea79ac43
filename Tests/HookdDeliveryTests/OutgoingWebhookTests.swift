import Crypto
import Foundation
import HookdCore
import HookdDelivery
import HookdVerify
import Testing

@Suite struct OutgoingWebhookTests {
    static let secret = WebhookSecret.generate().value
    static let data = Array(#"{"amount":25.50,"note":"café / ✓"}"#.utf8)

    static func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func theBodyHasTheSpecifiedKeysInOrderAndTheDataBytesVerbatim() throws {
        let webhook = OutgoingWebhook(
            event: "card.funded",
            eventID: EventID("0b8e2d4c-1f3a-4e5b-8c6d-7e8f9a0b1c2d"),
            data: Self.data,
            timestamp: UnixSeconds(1_767_225_600),
            signer: try WebhookSigner(secret: Self.secret),
            schemes: Set(SignatureScheme.allCases),
            userAgent: "hookd/test"
        )
        let sign = Self.hex(
            HMAC<SHA256>.authenticationCode(for: Self.data, using: SymmetricKey(data: Array(Self.secret.utf8)))
        )
        let expected =
            #"{"event":"card.funded","version":"3.0","eventId":"0b8e2d4c-1f3a-4e5b-8c6d-7e8f9a0b1c2d","sign":"\#(sign)","data":{"amount":25.50,"note":"café / ✓"}}"#
        #expect(String(decoding: webhook.body, as: UTF8.self) == expected)
        #expect(
            webhook.headers.map(\.name) == [
                "Content-Type", "User-Agent", "X-Fyatu-Event", "X-Fyatu-Event-ID", "X-Fyatu-Timestamp",
                "X-Fyatu-Signature",
                "webhook-id", "webhook-timestamp", "webhook-signature",
            ]
        )
        let verifier = try WebhookVerifier(secret: Self.secret, now: { Date(timeIntervalSince1970: 1_767_225_600) })
        let headers = Dictionary(uniqueKeysWithValues: webhook.headers.map { ($0.name, $0.value) })
        #expect(try verifier.verify(body: webhook.body, headers: headers).schemes == Set(SignatureScheme.allCases))
    }

    @Test func aSchemeSwitchedOffLeavesOutItsFieldOrHeader() throws {
        let signer = try WebhookSigner(secret: Self.secret)
        let onlyStandard = OutgoingWebhook(
            event: "card.funded",
            eventID: EventID("e"),
            data: Self.data,
            timestamp: UnixSeconds(1),
            signer: signer,
            schemes: [.standardWebhooks],
            userAgent: "hookd/test"
        )
        #expect(!String(decoding: onlyStandard.body, as: UTF8.self).contains("\"sign\""))
        #expect(!onlyStandard.headers.contains { $0.name == "X-Fyatu-Signature" })
        #expect(onlyStandard.headers.contains { $0.name == "webhook-signature" })
        let onlyV3 = OutgoingWebhook(
            event: "card.funded",
            eventID: EventID("e"),
            data: Self.data,
            timestamp: UnixSeconds(1),
            signer: signer,
            schemes: [.v3],
            userAgent: "hookd/test"
        )
        #expect(String(decoding: onlyV3.body, as: UTF8.self).contains("\"sign\""))
        #expect(!onlyV3.headers.contains { $0.name == "webhook-signature" || $0.name == "X-Fyatu-Signature" })
        let verifier = try WebhookVerifier(
            secret: Self.secret,
            allowingSignOnly: true,
            now: { Date(timeIntervalSince1970: 1) }
        )
        let headers = Dictionary(uniqueKeysWithValues: onlyV3.headers.map { ($0.name, $0.value) })
        #expect(
            try verifier.verify(body: onlyV3.body, headers: headers).schemes == [.v3],
            "a switched-off scheme is absent, not broken"
        )
    }
}

@Suite struct SignerCacheTests {
    /// A claim of the app `APP`'s v3 URL with `sealed` at `version`.
    static func claim(
        appID: AppID = AppID("APP"),
        endpointID: EndpointID? = nil,
        version: Int64,
        sealed: [UInt8],
        previous: [UInt8]? = nil,
        previousUntil: UnixMillis? = nil
    ) -> ClaimedDelivery {
        ClaimedDelivery(
            id: DeliveryID("dlv_1"),
            appID: appID,
            eventID: EventID("evt"),
            event: "card.created",
            data: [],
            attempts: 0,
            attemptsAllowed: 1,
            leaseID: LeaseID("lease"),
            endpointID: endpointID ?? Identifiers.v3WebhookID(appID: appID),
            target: DeliveryTarget(
                url: "https://a.example/",
                sealedSecret: sealed,
                secretVersion: version,
                previousSealedSecret: previous,
                previousSecretUntil: previousUntil
            )
        )
    }

    @Test func aNewVersionIsOpenedAndAnOldOneIsNotCachedOverIt() throws {
        let sealer = SecretSealer(primary: .generate())
        let cache = SignerCache(sealer: sealer)
        let first = WebhookSecret.generate().value
        let second = WebhookSecret.generate().value
        let purpose = SecretSealer.webhookSecretPurpose(appID: AppID("APP"))
        let sealedFirst = try sealer.seal(Array(first.utf8), purpose: purpose)
        let sealedSecond = try sealer.seal(Array(second.utf8), purpose: purpose)
        let data = Array("{}".utf8)
        let now = UnixMillis(1_000)
        #expect(
            try cache.signers(for: Self.claim(version: 1, sealed: sealedFirst), now: now)[0].v3Sign(data: data)
                == WebhookSigner(secret: first).v3Sign(data: data)
        )
        #expect(
            try cache.signers(for: Self.claim(version: 2, sealed: sealedSecond), now: now)[0].v3Sign(data: data)
                == WebhookSigner(secret: second).v3Sign(data: data)
        )
        #expect(
            try cache.signers(for: Self.claim(version: 2, sealed: sealedFirst), now: now)[0].v3Sign(data: data)
                == WebhookSigner(secret: second).v3Sign(data: data),
            "a cached version is not reopened"
        )
        #expect(throws: SecretSealingError.self) {
            try cache.signers(for: Self.claim(appID: AppID("OTHER"), version: 1, sealed: sealedFirst), now: now)
        }
    }

    @Test func theReplacedSecretSignsUntilItsOverlapEnds() throws {
        let sealer = SecretSealer(primary: .generate())
        let purpose = SecretSealer.webhookSecretPurpose(
            appID: AppID("APP"),
            endpointID: EndpointID("whk_AAAAAAAAAAAAAAAAAAAA")
        )
        let old = WebhookSecret.generateForEndpoint().value
        let new = WebhookSecret.generateForEndpoint().value
        let claim = Self.claim(
            endpointID: EndpointID("whk_AAAAAAAAAAAAAAAAAAAA"),
            version: 2,
            sealed: try sealer.seal(Array(new.utf8), purpose: purpose),
            previous: try sealer.seal(Array(old.utf8), purpose: purpose),
            previousUntil: UnixMillis(60_000)
        )
        let data = Array("{}".utf8)
        let during = try SignerCache(sealer: sealer).signers(for: claim, now: UnixMillis(59_999))
        #expect(
            during.map { $0.v3Sign(data: data) }
                == [
                    try WebhookSigner(secret: new).v3Sign(data: data),
                    try WebhookSigner(secret: old).v3Sign(data: data),
                ]
        )
        #expect(try SignerCache(sealer: sealer).signers(for: claim, now: UnixMillis(60_000)).count == 1)
        #expect(throws: SecretSealingError.self, "an endpoint's secret opens only for that endpoint") {
            try SignerCache(sealer: sealer).signers(
                for: Self.claim(
                    endpointID: EndpointID("whk_BBBBBBBBBBBBBBBBBBBB"),
                    version: 2,
                    sealed: claim.sealedSecret
                ),
                now: UnixMillis(0)
            )
        }
    }
}

@Suite struct DispatchSignalTests {
    // A lost wake would leave these waiting for an hour; the time limit turns that into a failure.
    @Test(.timeLimit(.minutes(1))) func aWakeBeforeTheWaitIsNotLost() async {
        let signal = DispatchSignal()
        signal.wake()
        await signal.wait(timeout: .seconds(3600))
    }

    @Test(.timeLimit(.minutes(1))) func aWaitEndsOnWakeOrTimeout() async throws {
        let signal = DispatchSignal()
        await signal.wait(timeout: .milliseconds(10))
        async let waited: Void = signal.wait(timeout: .seconds(3600))
        try await Task.sleep(for: .milliseconds(50))
        signal.wake()
        await waited
    }
}
