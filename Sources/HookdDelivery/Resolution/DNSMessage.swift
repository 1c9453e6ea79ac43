import HookdCore

/// A DNS message as the stub resolver reads it (RFC 1035 §4): the header, the question, and the records of the
/// answer and authority sections that a lookup of addresses needs.
///
/// Parsing is strict about lengths and lenient about content: every count, length and compression pointer is
/// checked against the message before it is followed, so a malformed message throws ``DNSMessageError`` and never
/// reads out of bounds; records of a type the resolver does not use are kept as ``Record/Data/other(_:)``. The
/// additional section is not read (a stub resolver has no use for it), so nothing in it can make a message fail.
///
/// Names are kept the way hookd writes them: labels joined by `.`, without the trailing dot, ASCII letters in
/// lowercase (DNS compares names without regard to ASCII case). A label byte that is a `.`, a `\`, a space, a
/// control character or over 127 is written `\DDD` (as `dig` does), so a label holding a `.` can never pass for two
/// labels; ``spelling(of:)`` writes a name given as text the same way, for comparison.
struct DNSMessage: Sendable, Equatable {
    /// The fixed 12-byte header.
    struct Header: Sendable, Equatable {
        /// The query's id, echoed by the answer.
        var id: UInt16
        /// The flags word: QR, opcode, AA, TC, RD, RA, Z and the response code.
        var flags: UInt16
        /// How many entries each section holds.
        var questionCount: UInt16
        var answerCount: UInt16
        var authorityCount: UInt16
        var additionalCount: UInt16

        /// Whether the message is a response (QR).
        var isResponse: Bool { flags & 0x8000 != 0 }
        /// The kind of query (0 is a standard query).
        var opcode: UInt8 { UInt8((flags >> 11) & 0x0F) }
        /// Whether the answer was cut to fit a datagram (TC): the whole answer must be asked for over TCP.
        var isTruncated: Bool { flags & 0x0200 != 0 }
        /// The response code.
        var responseCode: ResponseCode { ResponseCode(rawValue: UInt8(flags & 0x000F)) }
    }

    /// A response code (RFC 1035 §4.1.1), kept as its number.
    struct ResponseCode: RawRepresentable, Sendable, Hashable {
        var rawValue: UInt8

        static let noError = ResponseCode(rawValue: 0)
        static let formatError = ResponseCode(rawValue: 1)
        static let serverFailure = ResponseCode(rawValue: 2)
        static let nameError = ResponseCode(rawValue: 3)
        static let notImplemented = ResponseCode(rawValue: 4)
        static let refused = ResponseCode(rawValue: 5)
    }

    /// A record type, kept as its number.
    struct RecordType: RawRepresentable, Sendable, Hashable {
        var rawValue: UInt16

        static let a = RecordType(rawValue: 1)
        static let cname = RecordType(rawValue: 5)
        static let soa = RecordType(rawValue: 6)
        static let aaaa = RecordType(rawValue: 28)
    }

    /// The class of the Internet, the only one the resolver asks about.
    static let internetClass: UInt16 = 1

    /// One entry of the question section.
    struct Question: Sendable, Hashable {
        /// The name asked about, in hookd's spelling.
        var name: String
        var type: RecordType
        var recordClass: UInt16 = DNSMessage.internetClass
    }

    /// One resource record.
    struct Record: Sendable, Equatable {
        /// What a record holds, as far as the resolver reads it.
        enum Data: Sendable, Equatable {
            /// An IPv4 address (type A).
            case a(IPAddress)
            /// An IPv6 address (type AAAA).
            case aaaa(IPAddress)
            /// The canonical name this owner is an alias of (type CNAME).
            case cname(String)
            /// The start of a zone of authority (type SOA): only its `MINIMUM` field, the negative-caching TTL
            /// (RFC 2308 §4).
            case soa(minimum: UInt32)
            /// Any other type, or a record of another class: not read.
            case other
        }

        /// The owner name.
        var name: String
        var type: RecordType
        var recordClass: UInt16
        /// Seconds the record may be cached; a value with the top bit set reads as 0 (RFC 2181 §8).
        var ttl: UInt32
        var data: Data
    }

    var header: Header
    var questions: [Question]
    var answers: [Record]
    var authorities: [Record]

    /// The longest name on the wire: 255 bytes, length bytes and the root label included (RFC 1035 §2.3.4).
    static let maximumNameLength = 255
    /// The longest label: 63 bytes.
    static let maximumLabelLength = 63

    /// Encodes a standard query for one question, with recursion desired and no EDNS.
    ///
    /// - Parameters:
    ///   - id: The query's id (random, so that an answer can be told from a guess).
    ///   - question: The name and type asked about.
    /// - Returns: The message's bytes.
    /// - Throws: ``DNSMessageError`` when the name cannot be a DNS name: an empty label, a label over 63 bytes, or
    ///   a name over 255 bytes on the wire.
    static func query(id: UInt16, question: Question) throws(DNSMessageError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(18 + question.name.utf8.count)
        bytes.appendBigEndian(id)
        bytes.appendBigEndian(UInt16(0x0100))  // a standard query, recursion desired
        bytes.appendBigEndian(UInt16(1))
        bytes.appendBigEndian(UInt16(0))
        bytes.appendBigEndian(UInt16(0))
        bytes.appendBigEndian(UInt16(0))
        try encodeName(question.name, into: &bytes)
        bytes.appendBigEndian(question.type.rawValue)
        bytes.appendBigEndian(question.recordClass)
        return bytes
    }

    /// Writes `name` as uncompressed labels ending in the root label.
    private static func encodeName(_ name: String, into bytes: inout [UInt8]) throws(DNSMessageError) {
        let start = bytes.count
        if !name.isEmpty {
            for label in name.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
                guard !label.isEmpty else { throw .emptyLabel }
                guard label.count <= maximumLabelLength else { throw .labelTooLong }
                bytes.append(UInt8(label.count))
                bytes.append(contentsOf: label)
            }
        }
        bytes.append(0)
        guard bytes.count - start <= maximumNameLength else { throw .nameTooLong }
    }

    /// Reads the header alone, so that a truncated answer can be recognised without parsing its records.
    ///
    /// - Throws: ``DNSMessageError`` when the message is shorter than a header.
    static func header(of bytes: [UInt8]) throws(DNSMessageError) -> Header {
        var reader = Reader(bytes: bytes)
        return try reader.readHeader()
    }

    /// A name given as text (labels separated by `.`) in the spelling that parsed names have, so the two compare.
    static func spelling(of name: String) -> String {
        var text: [UInt8] = []
        for byte in name.utf8 {
            if byte == UInt8(ascii: ".") {
                text.append(byte)
            } else {
                Reader.appendEscaped(byte, to: &text)
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Parses a whole message: header, question, answer and authority sections.
    ///
    /// - Parameter bytes: The message as received (for TCP, without its length prefix).
    /// - Throws: ``DNSMessageError`` when a count, a length or a compression pointer does not fit the message.
    init(parsing bytes: [UInt8]) throws(DNSMessageError) {
        var reader = Reader(bytes: bytes)
        header = try reader.readHeader()
        questions = []
        for _ in 0..<header.questionCount {
            questions.append(try reader.readQuestion())
        }
        answers = []
        for _ in 0..<header.answerCount {
            answers.append(try reader.readRecord())
        }
        authorities = []
        for _ in 0..<header.authorityCount {
            authorities.append(try reader.readRecord())
        }
    }

    /// Reads the question section only, after the header: enough to tell whether a message answers a query.
    ///
    /// - Throws: ``DNSMessageError`` when the question section does not fit the message.
    static func questions(of bytes: [UInt8]) throws(DNSMessageError) -> (Header, [Question]) {
        var reader = Reader(bytes: bytes)
        let header = try reader.readHeader()
        var questions: [Question] = []
        for _ in 0..<header.questionCount {
            questions.append(try reader.readQuestion())
        }
        return (header, questions)
    }
}

extension DNSMessage {
    /// What an answer says about the addresses of the name a question asked about.
    enum Addresses: Sendable, Equatable {
        /// The addresses, in the answer's order without repeats, and the least TTL on the way to them.
        case found([IPAddress], ttl: UInt32)
        /// None: the name does not exist (NXDOMAIN) or has no address of the type asked (NODATA); the negative TTL
        /// of the authority section's SOA (RFC 2308 §5), when there is one.
        case none(negativeTTL: UInt32?)
        /// The CNAME chain loops, or is longer than allowed.
        case brokenChain
    }

    /// The addresses this answer gives for `question`, following the CNAME chain through the answer section.
    ///
    /// Only records owned by a name on the chain count, starting from the name asked: an answer section may carry
    /// records about other names (a confused or malicious server), and those are not the question's addresses.
    ///
    /// - Parameters:
    ///   - question: The question this message answers.
    ///   - maximumChain: How many CNAME links may be followed.
    /// - Returns: The addresses, or why there are none.
    func addresses(answering question: Question, maximumChain: Int = 8) -> Addresses {
        guard header.responseCode != .nameError else { return .none(negativeTTL: negativeTTL) }
        var owner = DNSMessage.spelling(of: question.name)
        var visited: Set<String> = [owner]
        var ttl = UInt32.max
        while true {
            var found: [IPAddress] = []
            var foundTTL = UInt32.max
            var alias: (target: String, ttl: UInt32)?
            for record in answers where record.name == owner && record.recordClass == question.recordClass {
                switch record.data {
                case .a(let address) where question.type == .a, .aaaa(let address) where question.type == .aaaa:
                    if !found.contains(address) { found.append(address) }
                    foundTTL = min(foundTTL, record.ttl)
                case .cname(let target) where alias == nil:
                    alias = (target, record.ttl)
                default:
                    continue
                }
            }
            if !found.isEmpty {
                return .found(found, ttl: min(ttl, foundTTL))
            }
            guard let alias else { return .none(negativeTTL: negativeTTL) }
            guard visited.count <= maximumChain, visited.insert(alias.target).inserted else { return .brokenChain }
            owner = alias.target
            ttl = min(ttl, alias.ttl)
        }
    }

    /// How long the absence of an answer may be cached: the least of the authority section's SOA TTL and its
    /// `MINIMUM` field (RFC 2308 §5), or `nil` without an SOA.
    var negativeTTL: UInt32? {
        for record in authorities {
            if case .soa(let minimum) = record.data {
                return min(record.ttl, minimum)
            }
        }
        return nil
    }
}

/// Why a DNS message could not be read or written.
struct DNSMessageError: Error, Hashable, CustomStringConvertible {
    private enum Kind: Hashable {
        case truncated
        case emptyLabel
        case labelTooLong
        case nameTooLong
        case badLabelType
        case badPointer
        case badRecordLength
    }

    private let kind: Kind

    /// The message ends before a field that its counts or lengths promise.
    static let truncated = DNSMessageError(kind: .truncated)
    /// A name has an empty label in its middle.
    static let emptyLabel = DNSMessageError(kind: .emptyLabel)
    /// A label is longer than 63 bytes.
    static let labelTooLong = DNSMessageError(kind: .labelTooLong)
    /// A name is longer than 255 bytes, or follows more compression pointers than it could hold labels.
    static let nameTooLong = DNSMessageError(kind: .nameTooLong)
    /// A label starts with the reserved bits `01` or `10` (extended label types, not used by DNS).
    static let badLabelType = DNSMessageError(kind: .badLabelType)
    /// A compression pointer points at or after itself (which could loop), or outside the message.
    static let badPointer = DNSMessageError(kind: .badPointer)
    /// A record's data is not the length its type requires, or a name in it runs past its end.
    static let badRecordLength = DNSMessageError(kind: .badRecordLength)

    var description: String {
        switch kind {
        case .truncated: "the DNS message is truncated"
        case .emptyLabel: "a DNS name has an empty label"
        case .labelTooLong: "a DNS label is longer than 63 bytes"
        case .nameTooLong: "a DNS name is longer than 255 bytes"
        case .badLabelType: "a DNS name has an unknown label type"
        case .badPointer: "a DNS compression pointer points forward or outside the message"
        case .badRecordLength: "a DNS record's data has the wrong length"
        }
    }
}

extension DNSMessage {
    /// A cursor over a message's bytes; every read checks that the bytes are there.
    fileprivate struct Reader {
        let bytes: [UInt8]
        var offset = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        mutating func readUInt8() throws(DNSMessageError) -> UInt8 {
            guard offset < bytes.count else { throw .truncated }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func readUInt16() throws(DNSMessageError) -> UInt16 {
            guard bytes.count - offset >= 2 else { throw .truncated }
            defer { offset += 2 }
            return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
        }

        mutating func readUInt32() throws(DNSMessageError) -> UInt32 {
            guard bytes.count - offset >= 4 else { throw .truncated }
            defer { offset += 4 }
            return (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(bytes[offset + $1]) }
        }

        mutating func readBytes(_ count: Int) throws(DNSMessageError) -> ArraySlice<UInt8> {
            guard count >= 0, bytes.count - offset >= count else { throw .truncated }
            defer { offset += count }
            return bytes[offset..<(offset + count)]
        }

        mutating func readHeader() throws(DNSMessageError) -> Header {
            Header(
                id: try readUInt16(),
                flags: try readUInt16(),
                questionCount: try readUInt16(),
                answerCount: try readUInt16(),
                authorityCount: try readUInt16(),
                additionalCount: try readUInt16()
            )
        }

        mutating func readQuestion() throws(DNSMessageError) -> Question {
            let name = try readName()
            let type = RecordType(rawValue: try readUInt16())
            let recordClass = try readUInt16()
            return Question(name: name, type: type, recordClass: recordClass)
        }

        mutating func readRecord() throws(DNSMessageError) -> Record {
            let name = try readName()
            let type = RecordType(rawValue: try readUInt16())
            let recordClass = try readUInt16()
            let rawTTL = try readUInt32()
            let length = Int(try readUInt16())
            let dataStart = offset
            _ = try readBytes(length)
            let dataEnd = offset
            var data = Record.Data.other
            if recordClass == DNSMessage.internetClass {
                switch type {
                case .a:
                    guard length == 4 else { throw .badRecordLength }
                    data = .a(.v4(Array(bytes[dataStart..<dataEnd])))
                case .aaaa:
                    guard length == 16 else { throw .badRecordLength }
                    data = .aaaa(.v6(Array(bytes[dataStart..<dataEnd])))
                case .cname:
                    var inner = Reader(bytes: bytes, offset: dataStart)
                    data = .cname(try inner.readName(within: dataEnd))
                    guard inner.offset == dataEnd else { throw .badRecordLength }
                case .soa:
                    var inner = Reader(bytes: bytes, offset: dataStart)
                    _ = try inner.readName(within: dataEnd)  // MNAME
                    _ = try inner.readName(within: dataEnd)  // RNAME
                    // SERIAL, REFRESH, RETRY, EXPIRE, then MINIMUM.
                    guard dataEnd - inner.offset == 20 else { throw .badRecordLength }
                    inner.offset += 16
                    data = .soa(minimum: Self.ttl(try inner.readUInt32()))
                default:
                    break
                }
            }
            return Record(name: name, type: type, recordClass: recordClass, ttl: Self.ttl(rawTTL), data: data)
        }

        /// A reader of `bytes` from `offset`, for the names in a record's data.
        init(bytes: [UInt8], offset: Int) {
            self.bytes = bytes
            self.offset = offset
        }

        /// A TTL as RFC 2181 §8 reads it: a value with the top bit set is 0.
        static func ttl(_ raw: UInt32) -> UInt32 {
            raw & 0x8000_0000 == 0 ? raw : 0
        }

        /// Reads a possibly compressed name; the labels before the first pointer (or the root) must end by `limit`.
        ///
        /// Loops are impossible: the first pointer must point before itself and every later one before the place
        /// the previous one pointed to, so the jumps land ever earlier in the message and there are fewer of them
        /// than it has bytes; the name's 255-byte bound is checked as labels are read.
        mutating func readName(within limit: Int? = nil) throws(DNSMessageError) -> String {
            let limit = limit ?? bytes.count
            var text: [UInt8] = []
            var wireLength = 1  // the root label
            var cursor = offset
            var jumped = false
            var earliestJump = Int.max
            while true {
                guard cursor < (jumped ? bytes.count : limit) else { throw .truncated }
                let length = bytes[cursor]
                switch length & 0xC0 {
                case 0x00:
                    if length == 0 {
                        if !jumped { offset = cursor + 1 }
                        return String(decoding: text, as: UTF8.self)
                    }
                    let labelEnd = cursor + 1 + Int(length)
                    guard labelEnd <= (jumped ? bytes.count : limit) else { throw .truncated }
                    wireLength += 1 + Int(length)
                    guard wireLength <= DNSMessage.maximumNameLength else { throw .nameTooLong }
                    if !text.isEmpty { text.append(UInt8(ascii: ".")) }
                    for byte in bytes[(cursor + 1)..<labelEnd] {
                        Self.appendEscaped(byte, to: &text)
                    }
                    cursor = labelEnd
                case 0xC0:
                    guard cursor + 1 < (jumped ? bytes.count : limit) else { throw .truncated }
                    let target = Int(length & 0x3F) << 8 | Int(bytes[cursor + 1])
                    guard target < cursor, target < earliestJump else { throw .badPointer }
                    earliestJump = target
                    if !jumped {
                        offset = cursor + 2
                        jumped = true
                    }
                    cursor = target
                default:
                    throw .badLabelType
                }
            }
        }

        /// Appends a label byte in hookd's spelling: an ASCII capital in lowercase; a `.`, a `\`, a space, a
        /// control character or a byte over 127 as `\DDD`; anything else as it is.
        static func appendEscaped(_ byte: UInt8, to text: inout [UInt8]) {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                text.append(byte + 32)
            case 0x21...0x7E where byte != UInt8(ascii: ".") && byte != UInt8(ascii: "\\"):
                text.append(byte)
            default:
                text.append(UInt8(ascii: "\\"))
                text.append(contentsOf: [byte / 100, byte / 10 % 10, byte % 10].map { $0 + UInt8(ascii: "0") })
            }
        }
    }
}

extension [UInt8] {
    fileprivate mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }
}
