#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Verifies a hookd delivery from its raw body bytes and its headers.
///
/// Every scheme whose material is present is checked: the v3 `sign` field (when the body has a
/// top-level `sign`), `X-Fyatu-Signature` (when that header is present) and Standard Webhooks
/// (when `webhook-signature` is present; then `webhook-id` and `webhook-timestamp` must be too —
/// hookd sends those two on every delivery, also when the operator has switched the scheme off). A delivery
/// is accepted only if at least one scheme is present and every present scheme matches: a mismatch is never
/// hidden by another scheme passing. Header names are matched without regard to case, signatures are
/// compared in constant time, and the header schemes' timestamps must be within the tolerance of the clock
/// in both directions. A header with several signatures (`v1=` entries in `X-Fyatu-Signature`,
/// space-separated `v1,` entries in `webhook-signature`, as during a secret rotation's overlap) matches when
/// any one of them does.
///
/// The secret is used exactly as it was issued, whatever its shape (see ``WebhookSigner``): `whsec_…` of any
/// length or a bare string verify the v3 `sign` and `X-Fyatu-Signature`. Only Standard Webhooks needs `whsec_`
/// followed by standard base64; a delivery that carries `webhook-signature` when the secret is of another
/// shape is refused with ``WebhookVerificationError/secretCannotVerify(_:)``, never accepted on its other
/// schemes with that signature unchecked.
///
/// Both delivery formats verify: v3 bodies (with `sign`) and v3.20 bodies (`event`, `eventId`, `businessId`,
/// `environment`, `timestamp`, `data`, no `sign`), whose header signatures cover the whole body.
///
/// Pass the body exactly as received, before any JSON decoding: the v3 signature covers the raw
/// bytes of the `data` value, which ``DataValueScanner`` locates without re-encoding.
///
/// ```swift
/// let verifier = try WebhookVerifier(
///     secret: configuration.webhookSecret,  // the app's whsec_… secret, never a literal
///     // Leave `now` out in production: it defaults to the system clock.
///     now: { Date(timeIntervalSince1970: 1_767_225_600) }
/// )
/// let body = Array(
///     (#"{"event":"card.funded","version":"3.0","eventId":"5f0c2a1e-8d4b-4c6f-9a3e-2b7d1e0f4c88","#
///         + #""sign":"5e4c7a36d0e94bd09aef1052fe60ce27c5550473c8d7e2a2e19acecd0dae7ee0","#
///         + #""data":{"cardId":"crd_7f3a","amount":"25.00","currency":"USD"}}"#).utf8
/// )
/// let headers = [
///     "Content-Type": "application/json",
///     "X-Fyatu-Signature": "t=1767225600,v1=5fa6667735ef8db3dd9d272e14b7947dd9eff0ecf4ac16c39dde9fa80721ee71",
///     "webhook-id": "5f0c2a1e-8d4b-4c6f-9a3e-2b7d1e0f4c88",
///     "webhook-timestamp": "1767225600",
///     "webhook-signature": "v1,DFlAPXL56GeTxDcrpilcs2H0ZshrtAiS3Tr8MspA8c8=",
/// ]
/// let delivery = try verifier.verify(body: body, headers: headers)
/// // delivery.schemes == [.v3, .fyatu, .standardWebhooks], delivery.event == "card.funded";
/// // deduplicate on delivery.eventId, then decode the payload from body[delivery.dataRange!].
/// ```
///
/// - Important: The body must be one well-formed JSON object, whichever schemes are present: a body
///   that is not is refused with ``WebhookVerificationError/malformedBody(_:at:)``.
public struct WebhookVerifier: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The tolerance used when none is given: five minutes each way.
    public static let defaultTolerance: Duration = .seconds(300)

    /// How far a header scheme's timestamp may be from the clock, in either direction.
    public let tolerance: Duration

    /// The schemes the secret can check: always ``SignatureScheme/v3`` and ``SignatureScheme/fyatu``, and
    /// ``SignatureScheme/standardWebhooks`` when the secret is `whsec_` followed by standard base64.
    /// A verifier of public keys checks ``SignatureScheme/standardWebhooks`` alone, through its `v1a` entries.
    public var supportedSchemes: Set<SignatureScheme> {
        switch keys {
        case .secret(let signer): signer.supportedSchemes
        case .publicKeys: [.standardWebhooks]
        }
    }

    /// Whether a delivery signed by the v3 `sign` alone is accepted (`false` unless the verifier was made so).
    public let allowsSignOnly: Bool

    /// What checks signatures: a secret's HMAC keys, or the Ed25519 public keys of an `ED25519` endpoint.
    private enum Keys: Sendable {
        case secret(WebhookSigner)
        case publicKeys([WebhookPublicKey])
    }

    private let keys: Keys
    private let toleranceSeconds: Double
    private let now: @Sendable () -> Date

    /// Creates a verifier for one webhook secret.
    ///
    /// - Parameters:
    ///   - secret: The webhook secret exactly as it was issued: `whsec_…` of any length, or a bare string such
    ///     as 64 hex digits (which checks every scheme but Standard Webhooks).
    ///   - tolerance: How far the `X-Fyatu-Signature` and `webhook-timestamp` timestamps may be from
    ///     `now()`, in the past or the future; five minutes by default. A negative tolerance counts as zero.
    ///   - allowingSignOnly: Accept a delivery whose only signature is the v3 `sign` (`false` by default). The `sign`
    ///     covers `data` alone, with no timestamp and no event name, so a delivery captured once could be replayed
    ///     for ever with its headers stripped; hookd sends a timestamped signature with every delivery unless its
    ///     operator switched them off.
    ///   - now: The clock; the system clock by default. Tests inject a fixed one.
    /// - Throws: ``WebhookVerificationError/invalidSecret`` when the secret is empty, is `whsec_` alone, or begins
    ///   or ends with a space or a control character.
    public init(
        secret: String,
        tolerance: Duration = WebhookVerifier.defaultTolerance,
        allowingSignOnly: Bool = false,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws(WebhookVerificationError) {
        self.init(keys: .secret(try WebhookSigner(secret: secret)), tolerance, allowingSignOnly, now)
    }

    /// Creates a verifier for the Ed25519 public keys of an `ED25519` endpoint (Standard Webhooks `v1a`).
    ///
    /// Such a verifier checks the `v1a,` entries of `webhook-signature`, which must be present: a delivery is
    /// accepted when one entry is a valid signature by one of the keys, within the tolerance. A delivery that also
    /// carries `X-Fyatu-Signature` or a v3 `sign` is refused with
    /// ``WebhookVerificationError/publicKeyCannotVerify(_:)``: those need the secret. The result names
    /// ``SignatureScheme/standardWebhooks``.
    ///
    /// ```swift
    /// // The keys from the endpoint's publicKeysUrl, or the publicKey its create answered; two during an overlap.
    /// let verifier = try WebhookVerifier(publicKeys: [configuration.webhookPublicKey])
    /// ```
    ///
    /// - Parameters:
    ///   - publicKeys: One or more keys, each `whpk_` + standard base64 of its 32 bytes.
    ///   - tolerance: How far `webhook-timestamp` may be from `now()`; five minutes by default.
    ///   - now: The clock; the system clock by default.
    /// - Throws: ``WebhookVerificationError/invalidPublicKey`` when a key cannot be read or none is given.
    public init(
        publicKeys: [String],
        tolerance: Duration = WebhookVerifier.defaultTolerance,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws(WebhookVerificationError) {
        var keys: [WebhookPublicKey] = []
        for key in publicKeys { keys.append(try WebhookPublicKey(key)) }
        guard !keys.isEmpty else { throw .invalidPublicKey }
        self.init(keys: .publicKeys(keys), tolerance, false, now)
    }

    private init(
        keys: Keys,
        _ tolerance: Duration,
        _ allowingSignOnly: Bool,
        _ now: @escaping @Sendable () -> Date
    ) {
        self.keys = keys
        self.allowsSignOnly = allowingSignOnly
        self.tolerance = tolerance
        let components = tolerance.components
        self.toleranceSeconds = max(0, Double(components.seconds) + Double(components.attoseconds) / 1e18)
        self.now = now
    }

    /// Verifies a delivery with every scheme it carries.
    ///
    /// - Parameters:
    ///   - body: The raw request body, exactly as received.
    ///   - headers: The request headers; names in any case.
    /// - Returns: The schemes that matched and the body's `eventId`, `event`, `environment`, `businessId` and
    ///   `data` range.
    /// - Throws: ``WebhookVerificationError/noSignature`` when no scheme is present,
    ///   ``WebhookVerificationError/signOnly`` when the v3 `sign` is the only one and ``allowsSignOnly`` is `false`;
    ///   otherwise the first failure found: a `webhook-signature` the secret cannot check
    ///   (``WebhookVerificationError/secretCannotVerify(_:)``), a missing or malformed header, a stale timestamp,
    ///   a malformed body, or ``WebhookVerificationError/noMatchingSignature(_:)`` naming the scheme that did
    ///   not match.
    public func verify(
        body: some Collection<UInt8>,
        headers: [String: String]
    ) throws(WebhookVerificationError) -> VerifiedDelivery {
        try verify(body: body, headers: headers, requiring: [])
    }

    /// Verifies a delivery with every scheme it carries, and insists that some schemes be among them.
    ///
    /// Use it to refuse deliveries that lack a scheme you rely on, for example
    /// `requiring: [.standardWebhooks]` when your framework only checks that one. Every present
    /// scheme is still checked, required or not.
    ///
    /// - Parameters:
    ///   - body: The raw request body, exactly as received.
    ///   - headers: The request headers; names in any case.
    ///   - required: Schemes that must be present (and match); empty means any present scheme will do.
    /// - Returns: The schemes that matched and the body's `eventId`, `event`, `environment`, `businessId` and
    ///   `data` range.
    /// - Throws: ``WebhookVerificationError/secretCannotVerify(_:)`` when Standard Webhooks is required and the
    ///   secret cannot check it, ``WebhookVerificationError/missingHeader(_:)`` or
    ///   ``WebhookVerificationError/missingBodyKey(_:)`` (`sign`) when a required scheme is absent, and
    ///   everything ``verify(body:headers:)`` throws.
    public func verify(
        body: some Collection<UInt8>,
        headers: [String: String],
        requiring required: Set<SignatureScheme>
    ) throws(WebhookVerificationError) -> VerifiedDelivery {
        let lookup = HeaderLookup(headers)
        var passed: Set<SignatureScheme> = []

        // Header schemes: presence first, so a missing required header is reported before any work.
        let fyatuHeader = try lookup.value(for: WebhookHeaderName.fyatuSignature)
        if fyatuHeader != nil, case .publicKeys = keys { throw .publicKeyCannotVerify(.fyatu) }
        if fyatuHeader == nil, required.contains(.fyatu) {
            throw .missingHeader(WebhookHeaderName.fyatuSignature)
        }
        let standardNames = [
            WebhookHeaderName.webhookID, WebhookHeaderName.webhookTimestamp, WebhookHeaderName.webhookSignature,
        ]
        var standardValues: [String?] = []
        for name in standardNames { standardValues.append(try lookup.value(for: name)) }
        // The scheme is present when its signature is: `webhook-id` and `webhook-timestamp` alone are only
        // identification, which hookd sends even with Standard Webhooks signing switched off.
        let standardPresent = standardValues[2] != nil
        if case .publicKeys = keys, !standardPresent { throw .missingHeader(WebhookHeaderName.webhookSignature) }
        if standardPresent || required.contains(.standardWebhooks) {
            // A signature this secret cannot check is refused, never skipped: it must not pass unchecked.
            guard supportedSchemes.contains(.standardWebhooks) else {
                throw .secretCannotVerify(.standardWebhooks)
            }
            if let missing = standardValues.firstIndex(where: { $0 == nil }) {
                throw .missingHeader(standardNames[missing])
            }
        }

        return try withContiguousBytes(of: body) { bytes throws(WebhookVerificationError) in
            if let fyatuHeader, case .secret(let signer) = keys {
                try verifyFyatu(signer, header: fyatuHeader, body: bytes)
                passed.insert(.fyatu)
            }
            if standardPresent, let id = standardValues[0], let timestamp = standardValues[1],
                let signatures = standardValues[2]
            {
                try verifyStandard(id: id, timestamp: timestamp, signatures: signatures, body: bytes)
                passed.insert(.standardWebhooks)
            }

            // The body: always scanned, for the v3 scheme and for the fields the result reports.
            let found = try DataValueScanner.scan(bytes, for: BodyKey.all)
            let data = found[BodyKey.data]
            if let sign = found[BodyKey.sign] {
                guard case .secret(let signer) = keys else { throw .publicKeyCannotVerify(.v3) }
                guard let data else { throw .missingBodyKey("data") }
                try verifyV3(signer, sign: sign, data: data, body: bytes)
                passed.insert(.v3)
            } else if required.contains(.v3) {
                throw .missingBodyKey("sign")
            }
            guard !passed.isEmpty else { throw .noSignature }
            // The v3 `sign` covers no time: alone, it would let a captured delivery be replayed for ever.
            guard allowsSignOnly || passed != [.v3] else { throw .signOnly }
            let string = { (key: Int) in found[key].flatMap { DataValueScanner.stringValue(bytes, at: $0) } }
            return VerifiedDelivery(
                schemes: passed,
                eventId: string(BodyKey.eventId),
                event: string(BodyKey.event),
                environment: string(BodyKey.environment),
                businessId: string(BodyKey.businessId),
                dataRange: data
            )
        }
    }

    /// A description that names the tolerance and never the secret.
    public var description: String {
        switch keys {
        case .secret: "WebhookVerifier(tolerance: \(tolerance), secret: <redacted>)"
        case .publicKeys(let publicKeys): "WebhookVerifier(tolerance: \(tolerance), publicKeys: \(publicKeys))"
        }
    }

    /// A description that names the tolerance and never the secret.
    public var debugDescription: String { description }

    /// A mirror that shows the tolerance only, so `dump` and debuggers do not print key material.
    public var customMirror: Mirror { Mirror(self, children: ["tolerance": tolerance], displayStyle: .struct) }

    // MARK: Schemes

    private func verifyV3(
        _ signer: WebhookSigner,
        sign: Range<Int>,
        data: Range<Int>,
        body: UnsafeBufferPointer<UInt8>
    ) throws(WebhookVerificationError) {
        // `sign` must be a JSON string of hex digits; anything else simply does not match.
        var received: [UInt8] = []
        if sign.count >= 2, body[sign.lowerBound] == ASCII.quote {
            let content = body[(sign.lowerBound + 1)..<(sign.upperBound - 1)]
            received = Hex.decode(String(decoding: content, as: UTF8.self)) ?? []
        }
        let expected = signer.v3Code(data: body[data])
        guard ConstantTime.equals(Array(expected), received) else { throw .noMatchingSignature(.v3) }
    }

    private func verifyFyatu(
        _ signer: WebhookSigner,
        header: String,
        body: UnsafeBufferPointer<UInt8>
    ) throws(WebhookVerificationError) {
        let name = WebhookHeaderName.fyatuSignature
        var timestampText: Substring?
        var candidates: [[UInt8]] = []
        for item in header.split(separator: ",", omittingEmptySubsequences: false) {
            let item = item.trimmingASCIIWhitespace()
            guard let equals = item.firstIndex(of: "=") else { throw .malformedHeader(name) }
            let key = item[..<equals]
            let value = item[item.index(after: equals)...]
            switch key {
            case "t":
                guard timestampText == nil else { throw .malformedHeader(name) }
                timestampText = value
            case "v1":
                candidates.append(Hex.decode(value) ?? [])
            default:
                continue  // other versions are not ours to judge
            }
        }
        guard let timestampText, let timestamp = Self.parseTimestamp(timestampText) else {
            throw .malformedHeader(name)
        }
        try checkTimestamp(timestamp, scheme: .fyatu)
        let expected = Array(signer.fyatuCode(timestamp: timestamp, body: body))
        guard Self.anyMatches(expected, candidates) else { throw .noMatchingSignature(.fyatu) }
    }

    private func verifyStandard(
        id: String,
        timestamp timestampText: String,
        signatures: String,
        body: UnsafeBufferPointer<UInt8>
    ) throws(WebhookVerificationError) {
        guard let timestamp = Self.parseTimestamp(timestampText[...]) else {
            throw .malformedHeader(WebhookHeaderName.webhookTimestamp)
        }
        // A secret checks the `v1` (HMAC) entries, public keys the `v1a` (Ed25519) ones; other versions are ignored.
        let version: Substring
        switch keys {
        case .secret: version = "v1"
        case .publicKeys: version = "v1a"
        }
        var candidates: [[UInt8]] = []
        for entry in signatures.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            guard let comma = entry.firstIndex(of: ",") else {
                throw .malformedHeader(WebhookHeaderName.webhookSignature)
            }
            guard entry[..<comma] == version else { continue }
            candidates.append(Base64.decode(entry[entry.index(after: comma)...]) ?? [])
        }
        try checkTimestamp(timestamp, scheme: .standardWebhooks)
        let matched: Bool
        switch keys {
        case .secret(let signer):
            guard let mac = signer.standardCode(id: id, timestamp: timestamp, body: body) else {
                throw .secretCannotVerify(.standardWebhooks)
            }
            matched = Self.anyMatches(Array(mac), candidates)
        case .publicKeys(let publicKeys):
            let message = StandardWebhooksMessage.bytes(id: id, timestamp: timestamp, body: body)
            matched = candidates.contains { signature in
                publicKeys.contains { $0.isValidSignature(signature, for: message) }
            }
        }
        guard matched else { throw .noMatchingSignature(.standardWebhooks) }
    }

    private func checkTimestamp(_ timestamp: Int64, scheme: SignatureScheme) throws(WebhookVerificationError) {
        let age = now().timeIntervalSince1970 - Double(timestamp)
        if age > toleranceSeconds { throw .timestampTooOld(scheme) }
        if -age > toleranceSeconds { throw .timestampInFuture(scheme) }
    }

    /// Whether any candidate equals `expected`, comparing every candidate in constant time.
    private static func anyMatches(_ expected: [UInt8], _ candidates: [[UInt8]]) -> Bool {
        var matched = false
        for candidate in candidates where ConstantTime.equals(expected, candidate) { matched = true }
        return matched
    }

    /// Unix seconds: one to nineteen ASCII digits that fit an `Int64`, nothing else.
    private static func parseTimestamp(_ text: Substring) -> Int64? {
        let text = text.trimmingASCIIWhitespace()
        guard (1...19).contains(text.utf8.count), text.utf8.allSatisfy(ASCII.isDigit) else { return nil }
        return Int64(text)
    }
}

/// The top-level body keys the verifier reads, in the order it asks the scanner for them.
private enum BodyKey {
    static let all: [[UInt8]] = ["data", "sign", "eventId", "event", "environment", "businessId"].map {
        Array($0.utf8)
    }
    static let data = 0
    static let sign = 1
    static let eventId = 2
    static let event = 3
    static let environment = 4
    static let businessId = 5
}

/// Case-insensitive header lookup that refuses a header given twice (in different cases) with different values.
private struct HeaderLookup {
    let headers: [String: String]

    init(_ headers: [String: String]) {
        self.headers = headers
    }

    /// The trimmed value of the header named `name` in any ASCII case, or `nil` when absent.
    func value(for name: String) throws(WebhookVerificationError) -> String? {
        let wanted = name.asciiLowercased()
        var found: String?
        for (key, value) in headers where key.asciiLowercased() == wanted {
            let value = String(value[...].trimmingASCIIWhitespace())
            if let found, found != value { throw .malformedHeader(name) }
            found = value
        }
        return found
    }
}

extension String {
    /// Lowercases ASCII letters only, so that no Unicode case mapping (such as the Kelvin sign) can
    /// make a different header name match.
    fileprivate func asciiLowercased() -> String {
        String(
            decoding: utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 },
            as: UTF8.self
        )
    }
}

extension Substring {
    /// The substring without leading and trailing spaces and tabs.
    fileprivate func trimmingASCIIWhitespace() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
