import HookdCore
import Testing

@testable import HookdDelivery

/// The DNS message codec: queries as RFC 1035 writes them, answers read strictly, and malformed input refused
/// without a crash.
@Suite struct DNSMessageTests {
    /// A response for `www.example.com` A whose answer's owner is a compression pointer to the question's name.
    private static let compressedAnswer: [UInt8] =
        WireDNS.u16(0xBEEF) + WireDNS.u16(0x8180) + WireDNS.u16(1) + WireDNS.u16(2) + WireDNS.u16(0)
        + WireDNS.u16(0)
        + WireDNS.name("www.example.com") + WireDNS.u16(WireDNS.a) + WireDNS.u16(1)
        // www.example.com (pointer to offset 12) A 93.184.216.34
        + [0xC0, 12] + WireDNS.u16(WireDNS.a) + WireDNS.u16(1) + WireDNS.u32(300) + WireDNS.u16(4) + [93, 184, 216, 34]
        // www.example.com CNAME: "edge" + pointer to "example.com" (offset 16)
        + [0xC0, 12] + WireDNS.u16(WireDNS.cname) + WireDNS.u16(1) + WireDNS.u32(60) + WireDNS.u16(7)
        + [4] + Array("edge".utf8) + [0xC0, 16]

    @Test func aQueryIsWrittenAsRFC1035Says() throws {
        let bytes = try DNSMessage.query(id: 0x1234, question: .init(name: "example.com", type: .aaaa))
        #expect(
            bytes == [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
                + [7] + Array("example".utf8) + [3] + Array("com".utf8) + [0]
                + [0, 28, 0, 1]
        )
    }

    @Test(arguments: [
        ("a..example", DNSMessageError.emptyLabel),
        (".example", DNSMessageError.emptyLabel),
        (String(repeating: "a", count: 64) + ".example", DNSMessageError.labelTooLong),
        (Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: "."), .nameTooLong),
    ])
    func aNameThatCannotBeADNSNameIsRefused(name: String, error: DNSMessageError) {
        #expect(throws: error) { try DNSMessage.query(id: 1, question: .init(name: name, type: .a)) }
    }

    @Test func theLongestNameIsAccepted() throws {
        // 63 + 63 + 63 + 61 characters in four labels: 4 + 250 + 1 = 255 bytes on the wire.
        let name = [63, 63, 63, 61].map { String(repeating: "b", count: $0) }.joined(separator: ".")
        #expect(try DNSMessage.query(id: 1, question: .init(name: name, type: .a)).count == 12 + 255 + 4)
    }

    @Test func anAnswerWithCompressedNamesIsRead() throws {
        let message = try DNSMessage(parsing: Self.compressedAnswer)
        #expect(message.header.id == 0xBEEF)
        #expect(message.header.isResponse)
        #expect(message.header.responseCode == .noError)
        #expect(message.questions == [.init(name: "www.example.com", type: .a)])
        #expect(message.answers.map(\.name) == ["www.example.com", "www.example.com"])
        #expect(message.answers[0].data == .a(.v4([93, 184, 216, 34])))
        #expect(message.answers[0].ttl == 300)
        #expect(message.answers[1].data == .cname("edge.example.com"))
    }

    @Test func everyTruncationOfAMessageIsAnErrorNotACrash() {
        for length in 0..<Self.compressedAnswer.count {
            #expect(throws: DNSMessageError.self, "cut at \(length) bytes") {
                try DNSMessage(parsing: Array(Self.compressedAnswer.prefix(length)))
            }
        }
    }

    @Test func aPointerToItselfIsRefused() {
        // The question's name is a pointer to its own offset.
        let bytes =
            WireDNS.u16(1) + WireDNS.u16(0x8180) + WireDNS.u16(1) + [0, 0, 0, 0, 0, 0] + [0xC0, 12, 0, 1, 0, 1]
        #expect(throws: DNSMessageError.badPointer) { try DNSMessage(parsing: bytes) }
    }

    @Test func pointersThatPointAtEachOtherAreRefused() {
        // At 12: label "a" then a pointer to 17; at 17: label "b" then a pointer back to 12.
        let bytes =
            WireDNS.u16(1) + WireDNS.u16(0x8180) + WireDNS.u16(1) + [0, 0, 0, 0, 0, 0]
            + [1, 0x61, 0xC0, 17, 0] + [1, 0x62, 0xC0, 12] + [0, 1, 0, 1]
        #expect(throws: DNSMessageError.self) { try DNSMessage(parsing: bytes) }
        let labelsOnly =
            WireDNS.u16(1) + WireDNS.u16(0x8180) + WireDNS.u16(0) + WireDNS.u16(2) + [0, 0, 0, 0]
            // Record 1 owner at 12: "a" + pointer to 20 (forward: refused before it can loop).
            + [1, 0x61, 0xC0, 20]
        #expect(throws: DNSMessageError.badPointer) { try DNSMessage(parsing: labelsOnly) }
    }

    @Test func aPointerLoopThroughALabelIsRefused() {
        // A record's owner at 12: the label "x", then a pointer back to 12. Each pointer points backwards, but the
        // second jump lands no earlier than the first: a loop.
        let bytes =
            WireDNS.u16(1) + WireDNS.u16(0x8180) + WireDNS.u16(0) + WireDNS.u16(1) + [0, 0, 0, 0]
            + [1, 0x78, 0xC0, 12] + WireDNS.u16(WireDNS.a) + WireDNS.u16(1) + WireDNS.u32(1) + WireDNS.u16(4)
            + [1, 2, 3, 4]
        #expect(throws: DNSMessageError.badPointer) { try DNSMessage(parsing: bytes) }
    }

    @Test func aPointerOutsideTheMessageIsRefused() {
        let bytes =
            WireDNS.u16(1) + WireDNS.u16(0x8180) + WireDNS.u16(1) + [0, 0, 0, 0, 0, 0] + [0xFF, 0xFF, 0, 1, 0, 1]
        #expect(throws: DNSMessageError.badPointer) { try DNSMessage(parsing: bytes) }
    }

    @Test func anExtendedLabelTypeIsRefused() {
        let bytes = WireDNS.u16(1) + WireDNS.u16(0x8180) + WireDNS.u16(1) + [0, 0, 0, 0, 0, 0] + [0x41, 0, 0, 1, 0, 1]
        #expect(throws: DNSMessageError.badLabelType) { try DNSMessage(parsing: bytes) }
    }

    @Test(arguments: [([63, 63, 63, 61], true), ([63, 63, 63, 62], false), ([63, 63, 63, 63, 63], false)])
    func aNameIsAtMost255BytesEvenThroughPointers(labelLengths: [Int], readable: Bool) {
        // Labels each followed by a pointer to the one before. The first is the question's name; the others sit in
        // the data of a record of an unknown type, and the owner of the record after it points at the last one.
        let labels = labelLengths.map { [UInt8($0)] + [UInt8](repeating: 0x61, count: $0) }
        var bytes = WireDNS.u16(1) + WireDNS.u16(0x8180) + WireDNS.u16(1) + WireDNS.u16(2) + [0, 0, 0, 0]
        bytes += labels[0] + [0] + WireDNS.u16(WireDNS.a) + WireDNS.u16(1)  // the question, at 12
        let dataLength = labels.dropFirst().reduce(0) { $0 + $1.count + 2 }
        bytes +=
            Self.pointer(to: 12) + WireDNS.u16(99) + WireDNS.u16(1) + WireDNS.u32(1) + WireDNS.u16(UInt16(dataLength))
        var previous = 12
        for label in labels.dropFirst() {
            let here = bytes.count
            bytes += label + Self.pointer(to: previous)
            previous = here
        }
        bytes +=
            Self.pointer(to: previous) + WireDNS.u16(WireDNS.a) + WireDNS.u16(1) + WireDNS.u32(1)
            + WireDNS.u16(4) + [1, 2, 3, 4]
        if readable {
            #expect((try? DNSMessage(parsing: bytes))?.answers.last?.data == .a(.v4([1, 2, 3, 4])))
        } else {
            #expect(throws: DNSMessageError.nameTooLong) { try DNSMessage(parsing: bytes) }
        }
    }

    /// A compression pointer to `offset`.
    private static func pointer(to offset: Int) -> [UInt8] {
        [0xC0 | UInt8(offset >> 8), UInt8(offset & 0xFF)]
    }

    @Test func recordDataOfTheWrongLengthIsRefused() {
        let shortA = WireDNS.response(
            id: 1,
            name: "a.example",
            type: WireDNS.a,
            answers: [.init(owner: WireDNS.name("a.example"), type: WireDNS.a, ttl: 1, data: [1, 2, 3])]
        )
        #expect(throws: DNSMessageError.badRecordLength) { try DNSMessage(parsing: shortA) }
        let longAAAA = WireDNS.response(
            id: 1,
            name: "a.example",
            type: WireDNS.aaaa,
            answers: [
                .init(
                    owner: WireDNS.name("a.example"),
                    type: WireDNS.aaaa,
                    ttl: 1,
                    data: Array(repeating: 1, count: 17)
                )
            ]
        )
        #expect(throws: DNSMessageError.badRecordLength) { try DNSMessage(parsing: longAAAA) }
        // A CNAME whose target runs past its data length.
        let overflowingCNAME = WireDNS.response(
            id: 1,
            name: "a.example",
            type: WireDNS.a,
            answers: [
                .init(owner: WireDNS.name("a.example"), type: WireDNS.cname, ttl: 1, data: WireDNS.name("b.example"))
            ]
                + [.a("b.example", [1, 2, 3, 4])]
        )
        var cut = overflowingCNAME
        let dataLengthOffset = 12 + WireDNS.name("a.example").count + 4 + WireDNS.name("a.example").count + 8
        cut[dataLengthOffset + 1] -= 3  // claim the target is 3 bytes shorter than it is
        #expect(throws: DNSMessageError.self) { try DNSMessage(parsing: cut) }
    }

    @Test func aTTLWithTheTopBitSetReadsAsZero() throws {
        let bytes = WireDNS.response(
            id: 1,
            name: "a.example",
            type: WireDNS.a,
            answers: [.a("a.example", [1, 1, 1, 1], ttl: 0x8000_0001)]
        )
        #expect(try DNSMessage(parsing: bytes).answers[0].ttl == 0)
    }

    @Test func randomDamageNeverCrashesTheParser() {
        var generator = SplitMix64(seed: 0x5EED)
        let valid = WireDNS.response(
            id: 7,
            name: "www.example.com",
            type: WireDNS.a,
            answers: [.cname("www.example.com", "edge.example.net"), .a("edge.example.net", [1, 2, 3, 4])],
            authorities: [.soa("example.net", minimum: 60)]
        )
        var parsed = 0
        for _ in 0..<20_000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[index] = UInt8.random(in: 0...255, using: &generator)
            }
            if Bool.random(using: &generator) {
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &generator)))
            }
            if (try? DNSMessage(parsing: bytes)) != nil {
                parsed += 1
            }
        }
        #expect(parsed > 0, "some damage leaves a readable message")
    }

    @Test func theChainIsFollowedOnlyThroughItsOwnNames() throws {
        let bytes = WireDNS.response(
            id: 1,
            name: "www.example.com",
            type: WireDNS.a,
            answers: [
                .a("evil.example", [6, 6, 6, 6], ttl: 9),
                .cname("www.example.com", "cdn.example.net", ttl: 120),
                .cname("cdn.example.net", "edge.example.org", ttl: 60),
                .a("edge.example.org", [1, 2, 3, 4], ttl: 300),
                .a("edge.example.org", [1, 2, 3, 5], ttl: 200),
                .a("edge.example.org", [1, 2, 3, 4], ttl: 300),
            ]
        )
        let message = try DNSMessage(parsing: bytes)
        #expect(
            message.addresses(answering: .init(name: "www.example.com", type: .a))
                == .found([.v4([1, 2, 3, 4]), .v4([1, 2, 3, 5])], ttl: 60)
        )
        #expect(
            message.addresses(answering: .init(name: "www.example.com", type: .aaaa)) == .none(negativeTTL: nil),
            "an A record is no answer to AAAA"
        )
    }

    @Test func aChainThatLoopsOrRunsTooLongIsBroken() throws {
        let loop = WireDNS.response(
            id: 1,
            name: "a.example",
            type: WireDNS.a,
            answers: [.cname("a.example", "b.example"), .cname("b.example", "a.example")]
        )
        #expect(try DNSMessage(parsing: loop).addresses(answering: .init(name: "a.example", type: .a)) == .brokenChain)

        func chain(links: Int) -> [UInt8] {
            let names = (0...links).map { "n\($0).example" }
            let records =
                (0..<links).map { WireDNS.Record.cname(names[$0], names[$0 + 1]) } + [.a(names[links], [9, 9, 9, 9])]
            return WireDNS.response(id: 1, name: names[0], type: WireDNS.a, answers: records)
        }
        #expect(
            try DNSMessage(parsing: chain(links: 8)).addresses(answering: .init(name: "n0.example", type: .a))
                == .found([.v4([9, 9, 9, 9])], ttl: 300)
        )
        #expect(
            try DNSMessage(parsing: chain(links: 9)).addresses(answering: .init(name: "n0.example", type: .a))
                == .brokenChain
        )
    }

    @Test func aNegativeAnswerCarriesTheSOAsNegativeTTL() throws {
        let nxdomain = WireDNS.response(
            id: 1,
            name: "gone.example",
            type: WireDNS.a,
            rcode: WireDNS.nameError,
            authorities: [.soa("example", minimum: 120, ttl: 3600)]
        )
        let message = try DNSMessage(parsing: nxdomain)
        #expect(message.header.responseCode == .nameError)
        #expect(message.addresses(answering: .init(name: "gone.example", type: .a)) == .none(negativeTTL: 120))
        let nodata = WireDNS.response(
            id: 1,
            name: "v4only.example",
            type: WireDNS.aaaa,
            authorities: [.soa("example", minimum: 900, ttl: 45)]
        )
        #expect(
            try DNSMessage(parsing: nodata).addresses(answering: .init(name: "v4only.example", type: .aaaa))
                == .none(negativeTTL: 45),
            "the SOA's own TTL when it is less than its MINIMUM"
        )
    }

    @Test func namesAreComparedWithoutCaseAndALabelDotCannotPassForTwoLabels() throws {
        var bytes = WireDNS.u16(1) + WireDNS.u16(0x8180) + WireDNS.u16(1) + [0, 0, 0, 0, 0, 0]
        bytes += [3] + Array("a.b".utf8) + [3] + Array("COM".utf8) + [0] + [0, 1, 0, 1]
        let message = try DNSMessage(parsing: bytes)
        #expect(message.questions[0].name == "a\\046b.com")
        #expect(message.questions[0].name != DNSMessage.spelling(of: "a.b.com"))
        #expect(DNSMessage.spelling(of: "WWW.Example.com") == "www.example.com")
    }
}

/// A small seeded generator, so the damage test damages the same bytes every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
