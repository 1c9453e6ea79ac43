public import HookdVerify

/// What signing one delivery costs with Ed25519 (`v1a`) against HMAC, measured in this process.
///
/// No hookd runs: the loop calls the signing code the attempter calls for each attempt on a v3.20 body of a
/// typical size. HMAC is what an `HMAC` endpoint's delivery carries (`X-Fyatu-Signature` and `webhook-signature`
/// `v1`, two HMAC-SHA256 over the body); Ed25519 is what an `ED25519` endpoint's carries (one `v1a` signature).
/// The two are measured in alternating rounds and each is reported as the median round, so a slower stretch of
/// the machine weighs on both alike.
public struct SigningBenchmark: Sendable {
    /// The figures of one run.
    public struct Report: Sendable, Encodable {
        /// The median time to sign one delivery with the HMAC schemes, in nanoseconds.
        public var hmacNanoseconds: Double
        /// The median time to sign one delivery with Ed25519, in nanoseconds.
        public var ed25519Nanoseconds: Double
        /// The median time to sign one delivery with two Ed25519 keys, as during a rotation's overlap.
        public var ed25519OverlapNanoseconds: Double
        /// `ed25519Nanoseconds / hmacNanoseconds`.
        public var ratio: Double
        public var bodyBytes: Int
    }

    /// Deliveries signed per round.
    public var iterations: Int
    /// Rounds of each kind.
    public var rounds: Int
    /// The body's size in bytes.
    public var bodyBytes: Int

    public init(iterations: Int = 20_000, rounds: Int = 5, bodyBytes: Int = 512) {
        self.iterations = max(1, iterations)
        self.rounds = max(1, rounds)
        self.bodyBytes = max(64, bodyBytes)
    }

    /// Runs the rounds and reports the medians.
    public func run() throws -> Report {
        let body = Self.body(bytes: bodyBytes)
        let signer = try WebhookSigner(secret: "whsec_" + Base64.encode((0..<32).map { UInt8($0) }))
        let key = WebhookSigningKey()
        let otherKey = WebhookSigningKey()
        var hmac: [Double] = []
        var ed25519: [Double] = []
        var overlap: [Double] = []
        var sink = 0
        for _ in 0..<rounds {
            hmac.append(
                time { timestamp in
                    let fyatu = WebhookSigner.fyatuSignatureHeader(signers: [signer], timestamp: timestamp, body: body)
                    let standard = WebhookSigner.standardSignatureHeader(
                        signers: [signer],
                        id: "evt_1",
                        timestamp: timestamp,
                        body: body
                    )
                    sink &+= (fyatu?.utf8.count ?? 0) + (standard?.utf8.count ?? 0)
                }
            )
            ed25519.append(
                time { timestamp in
                    let header = WebhookSigningKey.standardSignatureHeader(
                        keys: [key],
                        id: "evt_1",
                        timestamp: timestamp,
                        body: body
                    )
                    sink &+= header?.utf8.count ?? 0
                }
            )
            overlap.append(
                time { timestamp in
                    let header = WebhookSigningKey.standardSignatureHeader(
                        keys: [key, otherKey],
                        id: "evt_1",
                        timestamp: timestamp,
                        body: body
                    )
                    sink &+= header?.utf8.count ?? 0
                }
            )
        }
        precondition(sink > 0, "every signature has a length")
        let hmacMedian = Self.median(hmac)
        let ed25519Median = Self.median(ed25519)
        return Report(
            hmacNanoseconds: hmacMedian,
            ed25519Nanoseconds: ed25519Median,
            ed25519OverlapNanoseconds: Self.median(overlap),
            ratio: ed25519Median / hmacMedian,
            bodyBytes: body.count
        )
    }

    /// Nanoseconds per call of `sign`, over ``iterations`` calls with changing timestamps.
    private func time(_ sign: (Int64) -> Void) -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        for index in 0..<iterations { sign(1_767_225_600 + Int64(index)) }
        let elapsed = (clock.now - start).components
        let nanoseconds = Double(elapsed.seconds) * 1e9 + Double(elapsed.attoseconds) / 1e9
        return nanoseconds / Double(iterations)
    }

    private static func median(_ values: [Double]) -> Double {
        values.sorted()[values.count / 2]
    }

    /// A v3.20 body padded to `bytes` with a `reference` string in `data`.
    private static func body(bytes: Int) -> [UInt8] {
        let head =
            #"{"event":"CARD_FUNDED","eventId":"5f0c2a1e-8d4b-4c6f-9a3e-2b7d1e0f4c88","#
            + #""businessId":"B7Q2M4X9K1R8T3W6Z5N0P2L4","environment":"LIVE","timestamp":"2026-01-01T00:00:00Z","#
            + #""data":{"cardId":"crd_7f3a","amount":"25.00","currency":"USD","reference":""#
        let tail = #""}}"#
        let padding = max(0, bytes - head.utf8.count - tail.utf8.count)
        return Array((head + String(repeating: "x", count: padding) + tail).utf8)
    }
}
