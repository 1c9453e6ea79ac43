#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as raw bytes.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// Four bytes, network order.
    case v4([UInt8])
    /// Sixteen bytes, network order.
    case v6([UInt8])

    /// Parses a host as written in a URL, the way resolvers and browsers read it.
    ///
    /// IPv4 takes every legacy form `inet_aton` accepts (`2130706433`, `0x7f.0.0.1`, `127.1`, octal), because
    /// that is how the address would be connected to. IPv6 may be bracketed (`[::1]`) and carry a zone (`%eth0`).
    /// - Returns: `nil` when `host` is a name rather than an address literal.
    public init?(literal host: String) {
        var text = host
        if text.hasPrefix("["), text.hasSuffix("]") {
            text = String(text.dropFirst().dropLast())
        }
        if let percent = text.firstIndex(of: "%") {
            text = String(text[..<percent])
        }
        if text.contains(":") {
            var storage = in6_addr()
            guard inet_pton(AF_INET6, text, &storage) == 1 else { return nil }
            self = .v6(withUnsafeBytes(of: &storage) { Array($0) })
            return
        }
        var storage = in_addr()
        guard !text.isEmpty, inet_aton(text, &storage) != 0 else { return nil }
        self = .v4(withUnsafeBytes(of: &storage) { Array($0) })
    }

    /// The address in its usual written form (`127.0.0.1`, `::1`).
    public var description: String {
        switch self {
        case .v4(let bytes):
            return bytes.map(String.init).joined(separator: ".")
        case .v6(let bytes):
            var storage = in6_addr()
            withUnsafeMutableBytes(of: &storage) { $0.copyBytes(from: bytes) }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            inet_ntop(AF_INET6, &storage, &buffer, socklen_t(buffer.count))
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// The address as a URL host: IPv6 in brackets.
    public var urlHost: String {
        switch self {
        case .v4: description
        case .v6: "[\(description)]"
        }
    }
}
