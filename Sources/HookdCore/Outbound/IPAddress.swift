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

    /// Parses an address literal strictly, reading legacy IPv4 forms the way browsers and resolvers do.
    ///
    /// IPv4 is read by the WHATWG URL standard's IPv4 parser: one to four dot-separated parts (a single trailing
    /// dot is ignored), each decimal, `0x` hexadecimal or leading-`0` octal, digits only; every part but the last
    /// is at most 255 and the last fills the remaining bytes. So `2130706433`, `0x7f.0.0.1`, `0177.0.0.1`,
    /// `127.1` and `0x7f000001` all read as `127.0.0.1`, which is where a connection to them would go. A bare
    /// `0x` part, which WHATWG reads as 0, is refused.
    ///
    /// IPv6 may be bracketed (`[::1]`) and may end in an embedded IPv4 address (`::ffff:127.0.0.1`).
    ///
    /// - Important: Nothing else is accepted: no zone (`%eth0`), no percent-encoding, no whitespace and no
    ///   trailing characters (`1.2.3.4 junk`), unlike `inet_aton`.
    /// - Parameter host: The literal, bracketed or not.
    /// - Returns: `nil` when `host` is not exactly an address literal (a name, or anything malformed).
    public init?(literal host: String) {
        let bytes = Array(host.utf8)
        if bytes.first == UInt8(ascii: "[") {
            guard bytes.count > 2, bytes.last == UInt8(ascii: "]"),
                let address = Self.parseIPv6(bytes[1..<(bytes.count - 1)])
            else { return nil }
            self = address
        } else if bytes.contains(UInt8(ascii: ":")) {
            guard let address = Self.parseIPv6(bytes[...]) else { return nil }
            self = address
        } else {
            guard let address = Self.parseIPv4(bytes[...]) else { return nil }
            self = address
        }
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

    /// Parses unbracketed IPv6 text: hex digits, `:` and `.` only, then `inet_pton`.
    static func parseIPv6(_ text: ArraySlice<UInt8>) -> IPAddress? {
        let allowed = text.allSatisfy { byte in
            Self.digitValue(byte, radix: 16) != nil || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".")
        }
        guard !text.isEmpty, allowed else { return nil }
        var storage = in6_addr()
        let parsed = String(decoding: text, as: UTF8.self).withCString { inet_pton(AF_INET6, $0, &storage) }
        guard parsed == 1 else { return nil }
        return .v6(withUnsafeBytes(of: &storage) { Array($0) })
    }

    /// The WHATWG URL standard's IPv4 parser (https://url.spec.whatwg.org/#concept-ipv4-parser).
    static func parseIPv4(_ text: ArraySlice<UInt8>) -> IPAddress? {
        var parts = text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        if parts.count > 1, parts.last?.isEmpty == true {
            parts.removeLast()
        }
        guard (1...4).contains(parts.count) else { return nil }
        var numbers: [UInt64] = []
        for part in parts {
            guard let number = ipv4Number(part) else { return nil }
            numbers.append(number)
        }
        guard let last = numbers.last, numbers.dropLast().allSatisfy({ $0 <= 255 }),
            last < UInt64(1) << (8 * (5 - numbers.count))
        else { return nil }
        var value = last
        for (index, number) in numbers.dropLast().enumerated() {
            value += number << (8 * (3 - index))
        }
        return .v4([24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) })
    }

    /// One part of an IPv4 literal: decimal, `0x`/`0X` hexadecimal or leading-`0` octal.
    ///
    /// - Returns: The value, saturated just above 2³² (anything that large is refused by the caller anyway),
    ///   or `nil` when the part is empty, a bare `0x`, or holds a character that is not a digit of its radix.
    static func ipv4Number(_ part: ArraySlice<UInt8>) -> UInt64? {
        var digits = part
        var radix: UInt64 = 10
        if digits.count >= 2, digits.first == UInt8(ascii: "0") {
            let second = digits[digits.startIndex + 1]
            if second == UInt8(ascii: "x") || second == UInt8(ascii: "X") {
                radix = 16
                digits = digits.dropFirst(2)
            } else {
                radix = 8
                digits = digits.dropFirst()
            }
        }
        guard !digits.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard let digit = digitValue(byte, radix: radix) else { return nil }
            value = min(value * radix + digit, UInt64(1) << 33)
        }
        return value
    }

    /// The value of an ASCII digit in `radix` (8, 10 or 16), or `nil`.
    static func digitValue(_ byte: UInt8, radix: UInt64) -> UInt64? {
        let value: UInt64
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): value = UInt64(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): value = UInt64(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
        return value < radix ? value : nil
    }
}
