extension WebhookURLPolicy {
    /// A URL that passed every check, with the addresses its host resolved to and the canonical pieces a
    /// transport needs to send to exactly those addresses without resolving anything itself.
    public struct CheckedURL: Sendable {
        /// The URL as given.
        public let url: String
        /// The scheme, lowercased.
        public let scheme: String
        /// The canonical host (``WebhookHost/text``): a lowercase ASCII name without a trailing dot, or an
        /// address literal's canonical text without brackets.
        public let host: String
        /// The port, explicit or the scheme's default.
        public let port: Int
        /// Every address the host resolved to, without duplicates, all of them allowed by the address policy,
        /// in the order to try them: the resolver's order with the two families interleaved, starting with the
        /// family of the first address (RFC 8305 §4).
        public let addresses: [IPAddress]
        /// The request target: the path (at least `/`) and `?query` when there is one, percent-encoded ASCII.
        public let requestTarget: String
        /// Whether the host is an address literal rather than a name.
        public let isAddressLiteral: Bool

        /// The `Host` header: ``host`` (IPv6 in brackets), with `:port` when the port is not the scheme's default.
        public var hostHeader: String {
            let host = isAddressLiteral && self.host.contains(":") ? "[\(self.host)]" : self.host
            return port == WebhookURLPolicy.defaultPort(for: scheme) ? host : "\(host):\(port)"
        }

        /// The name for TLS SNI and certificate verification: ``host`` for a name, `nil` for an address literal.
        public var serverName: String? { isAddressLiteral ? nil : host }

        /// Builds the request target from a URL's `percentEncodedPath` and `percentEncodedQuery`.
        ///
        /// An empty path becomes `/`; any byte that is not printable ASCII (at most 0x20 or above 0x7E) is
        /// percent-encoded, so the target can be written on the request line as it is.
        static func requestTarget(percentEncodedPath path: String, percentEncodedQuery query: String?) -> String {
            var target = path.isEmpty ? "/" : path
            if let query {
                target += "?" + query
            }
            guard target.utf8.contains(where: { $0 <= 0x20 || $0 > 0x7E }) else { return target }
            let hex = Array("0123456789ABCDEF".utf8)
            var encoded: [UInt8] = []
            for byte in target.utf8 {
                if byte <= 0x20 || byte > 0x7E {
                    encoded += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
                } else {
                    encoded.append(byte)
                }
            }
            return String(decoding: encoded, as: UTF8.self)
        }
    }

    /// The port a scheme uses when the URL names none: 443 for `https`, 80 for `http`.
    static func defaultPort(for scheme: String) -> Int {
        scheme == "https" ? 443 : 80
    }

    /// Orders addresses for connecting in turn (RFC 8305 §4): duplicates dropped, the resolver's order kept
    /// within each family, the families alternating and starting with the family of the first address.
    static func connectionOrder(_ addresses: [IPAddress]) -> [IPAddress] {
        var seen: Set<IPAddress> = []
        let unique = addresses.filter { seen.insert($0).inserted }
        guard let first = unique.first else { return [] }
        let firstIsV4 = isV4(first)
        var preferred: [IPAddress] = []
        var other: [IPAddress] = []
        for address in unique {
            if isV4(address) == firstIsV4 {
                preferred.append(address)
            } else {
                other.append(address)
            }
        }
        var ordered: [IPAddress] = []
        for index in 0..<max(preferred.count, other.count) {
            if index < preferred.count { ordered.append(preferred[index]) }
            if index < other.count { ordered.append(other[index]) }
        }
        return ordered
    }

    private static func isV4(_ address: IPAddress) -> Bool {
        if case .v4 = address { true } else { false }
    }
}
