/// A block of IP addresses written as CIDR: `10.0.0.0/8`, `2001:db8::/32`, or one address (`192.0.2.7`, all its bits).
///
/// For example, `AddressRange("10.0.0.0/8")` contains `10.1.2.3` and not `11.0.0.1`; an IPv4 range also contains the
/// IPv4-mapped IPv6 form of its addresses (`::ffff:10.1.2.3`), which is how a dual-stack socket may name an IPv4 peer.
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    /// The first address of the block (its bits past the prefix are zero).
    public let network: IPAddress
    /// How many leading bits every address of the block shares with ``network``.
    public let prefixLength: Int

    /// Parses `text` as CIDR, or as a single address.
    ///
    /// - Returns: `nil` when `text` is not an address literal followed by an optional `/prefix` no longer than the
    ///   address's bits.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(literal: String(parts[0])) else { return nil }
        let bits = Self.bytes(of: address).count * 8
        var prefix = bits
        if parts.count == 2 {
            guard parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let given = Int(parts[1]),
                (0...bits).contains(given)
            else {
                return nil
            }
            prefix = given
        }
        self.prefixLength = prefix
        self.network = Self.masked(address, to: prefix)
    }

    /// Whether `address` lies in the block.
    public func contains(_ address: IPAddress) -> Bool {
        var candidate = address
        if case .v4 = network, case .v6(let bytes) = address, bytes.prefix(12) == Self.mappedPrefix[...] {
            candidate = .v4(Array(bytes.suffix(4)))
        }
        switch (network, candidate) {
        case (.v4, .v4), (.v6, .v6):
            return Self.masked(candidate, to: prefixLength) == network
        default:
            return false
        }
    }

    public var description: String { "\(network)/\(prefixLength)" }

    /// `::ffff:0:0/96`, the IPv4-mapped IPv6 addresses.
    private static let mappedPrefix: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF]

    private static func bytes(of address: IPAddress) -> [UInt8] {
        switch address {
        case .v4(let bytes), .v6(let bytes): bytes
        }
    }

    /// `address` with every bit past the first `prefix` set to zero.
    private static func masked(_ address: IPAddress, to prefix: Int) -> IPAddress {
        var bytes = self.bytes(of: address)
        for index in bytes.indices {
            let kept = max(0, min(8, prefix - index * 8))
            bytes[index] &= kept == 8 ? 0xFF : ~(0xFF >> UInt8(kept))
        }
        if case .v4 = address { return .v4(bytes) }
        return .v6(bytes)
    }
}
