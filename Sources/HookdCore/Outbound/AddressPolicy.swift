/// Decides which addresses hookd may send deliveries to (SPEC §6).
///
/// Refused always: unspecified, multicast, broadcast and reserved ranges. Refused unless the operator allows
/// private targets: loopback, RFC 1918, CGNAT, link-local (the cloud metadata address among them),
/// unique-local IPv6, and the documentation and benchmarking ranges. IPv6 forms that embed an IPv4
/// address (mapped, compatible, NAT64, 6to4) are judged by the address they embed.
public struct AddressPolicy: Sendable {
    /// Why an address is refused.
    public enum Refusal: String, Sendable {
        case unspecified, loopback, privateNetwork, sharedAddressSpace, linkLocal, multicast, reserved
        case documentation, uniqueLocal
    }

    /// Whether loopback and private ranges are allowed (development and tests only).
    public var allowPrivateTargets: Bool

    public init(allowPrivateTargets: Bool = false) {
        self.allowPrivateTargets = allowPrivateTargets
    }

    /// The reason `address` is refused, or `nil` when hookd may connect to it.
    public func refusal(for address: IPAddress) -> Refusal? {
        guard let category = Self.category(of: address) else { return nil }
        switch category {
        case .unspecified, .multicast, .reserved:
            return category
        default:
            return allowPrivateTargets ? nil : category
        }
    }

    /// The special-purpose category of `address`, or `nil` for an ordinary global unicast address.
    static func category(of address: IPAddress) -> Refusal? {
        switch address {
        case .v4(let bytes): categoryV4(bytes)
        case .v6(let bytes): categoryV6(bytes)
        }
    }

    private static func categoryV4(_ b: [UInt8]) -> Refusal? {
        switch (b[0], b[1], b[2]) {
        case (0, _, _): .unspecified  // 0.0.0.0/8 "this network"
        case (10, _, _): .privateNetwork
        case (100, 64...127, _): .sharedAddressSpace  // CGNAT 100.64.0.0/10
        case (127, _, _): .loopback
        case (169, 254, _): .linkLocal  // includes 169.254.169.254, the metadata service
        case (172, 16...31, _): .privateNetwork
        case (192, 0, 0): .reserved  // IETF protocol assignments
        case (192, 0, 2), (198, 51, 100), (203, 0, 113): .documentation
        case (192, 88, 99): .reserved  // deprecated 6to4 relay anycast
        case (192, 168, _): .privateNetwork
        case (198, 18...19, _): .documentation  // benchmarking
        case (224...239, _, _): .multicast
        case (240...255, _, _): .reserved  // includes 255.255.255.255
        default: nil
        }
    }

    private static func categoryV6(_ b: [UInt8]) -> Refusal? {
        let firstTen = b[0..<10].allSatisfy { $0 == 0 }
        let embeddedV4 = Array(b[12..<16])
        if firstTen && b[10] == 0 && b[11] == 0 {
            if b[12..<15].allSatisfy({ $0 == 0 }) {
                if b[15] == 0 { return .unspecified }
                if b[15] == 1 { return .loopback }
            }
            return .reserved  // deprecated IPv4-compatible ::a.b.c.d
        }
        if firstTen && b[10] == 0xFF && b[11] == 0xFF {
            return categoryV4(embeddedV4) ?? nil  // IPv4-mapped ::ffff:a.b.c.d
        }
        if b[0] == 0x00, b[1] == 0x64, b[2] == 0xFF, b[3] == 0x9B {
            if b[4..<12].allSatisfy({ $0 == 0 }) { return categoryV4(embeddedV4) }  // NAT64 64:ff9b::/96
            return .reserved  // 64:ff9b:1::/48 local-use NAT64
        }
        if b[0] == 0x01, b[1] == 0x00, b[2..<8].allSatisfy({ $0 == 0 }) { return .reserved }  // discard 100::/64
        if b[0] == 0x20, b[1] == 0x01 {
            if b[2] == 0x0D, b[3] == 0xB8 { return .documentation }  // 2001:db8::/32
            if b[2] < 0x02 { return .reserved }  // 2001::/23 IETF assignments, Teredo among them
        }
        if b[0] == 0x20, b[1] == 0x02 { return categoryV4(Array(b[2..<6])) }  // 6to4 2002::/16
        if b[0] == 0x3F, b[1] == 0xFF, b[2] & 0xF0 == 0 { return .documentation }  // 3fff::/20
        if b[0] & 0xFE == 0xFC { return .uniqueLocal }  // fc00::/7
        if b[0] == 0xFE, b[1] & 0xC0 == 0x80 { return .linkLocal }  // fe80::/10
        if b[0] == 0xFE, b[1] & 0xC0 == 0xC0 { return .reserved }  // deprecated site-local fec0::/10
        if b[0] == 0xFF { return .multicast }
        if b[0] & 0xE0 != 0x20 { return .reserved }  // outside 2000::/3, the global unicast space
        return nil
    }
}

extension IPAddress {
    /// Whether this is a loopback address: `127.0.0.0/8`, `::1`, or `127.x` mapped into IPv6.
    public var isLoopback: Bool { AddressPolicy.category(of: self) == .loopback }
}
