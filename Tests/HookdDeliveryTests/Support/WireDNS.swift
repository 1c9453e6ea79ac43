/// DNS messages written byte by byte, apart from `DNSMessage`, so the tests do not check the parser against itself.
///
/// Names are written uncompressed; tests of compression write their pointers by hand.
enum WireDNS {
    static let a: UInt16 = 1
    static let cname: UInt16 = 5
    static let soa: UInt16 = 6
    static let aaaa: UInt16 = 28

    static let noError: UInt8 = 0
    static let serverFailure: UInt8 = 2
    static let nameError: UInt8 = 3
    static let refused: UInt8 = 5

    /// `text` as uncompressed labels ending in the root label.
    static func name(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for label in text.split(separator: ".") {
            bytes.append(UInt8(label.utf8.count))
            bytes.append(contentsOf: label.utf8)
        }
        return bytes + [0]
    }

    static func u16(_ value: UInt16) -> [UInt8] {
        [UInt8(value >> 8), UInt8(value & 0xFF)]
    }

    static func u32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    /// One resource record.
    struct Record {
        var owner: [UInt8]
        var type: UInt16
        var recordClass: UInt16 = 1
        var ttl: UInt32
        var data: [UInt8]

        var bytes: [UInt8] {
            owner + u16(type) + u16(recordClass) + u32(ttl) + u16(UInt16(data.count)) + data
        }

        static func a(_ owner: String, _ address: [UInt8], ttl: UInt32 = 300) -> Record {
            Record(owner: name(owner), type: WireDNS.a, ttl: ttl, data: address)
        }

        static func aaaa(_ owner: String, _ address: [UInt8], ttl: UInt32 = 300) -> Record {
            Record(owner: name(owner), type: WireDNS.aaaa, ttl: ttl, data: address)
        }

        static func cname(_ owner: String, _ target: String, ttl: UInt32 = 300) -> Record {
            Record(owner: name(owner), type: WireDNS.cname, ttl: ttl, data: name(target))
        }

        /// An SOA record whose `MINIMUM` is `minimum`.
        static func soa(_ zone: String, minimum: UInt32, ttl: UInt32 = 3600) -> Record {
            let fields =
                name("ns1.\(zone)") + name("hostmaster.\(zone)") + u32(2024) + u32(7200) + u32(900)
                + u32(1_209_600) + u32(minimum)
            return Record(owner: name(zone), type: WireDNS.soa, ttl: ttl, data: fields)
        }
    }

    /// A query, as a stub resolver sends it.
    static func query(id: UInt16, name text: String, type: UInt16) -> [UInt8] {
        u16(id) + u16(0x0100) + u16(1) + u16(0) + u16(0) + u16(0) + name(text) + u16(type) + u16(1)
    }

    /// A response to the question (`name`, `type`).
    static func response(
        id: UInt16,
        name text: String,
        type: UInt16,
        rcode: UInt8 = noError,
        truncated: Bool = false,
        answers: [Record] = [],
        authorities: [Record] = []
    ) -> [UInt8] {
        let flags: UInt16 = 0x8000 | 0x0100 | 0x0080 | (truncated ? 0x0200 : 0) | UInt16(rcode)
        var bytes = u16(id) + u16(flags) + u16(1) + u16(UInt16(answers.count)) + u16(UInt16(authorities.count)) + u16(0)
        bytes += name(text) + u16(type) + u16(1)
        for record in answers + authorities {
            bytes += record.bytes
        }
        return bytes
    }
}
