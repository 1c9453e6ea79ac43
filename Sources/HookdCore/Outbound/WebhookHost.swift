import Foundation

/// The host of a webhook URL in its one canonical spelling.
///
/// However the customer spells the host (upper or mixed case, a trailing dot, Unicode or Punycode,
/// percent-encoded characters, a legacy IPv4 form), hookd resolves, names the TLS server, verifies the
/// certificate against and sends in `Host` exactly one text: ``text``.
///
/// - A bracketed host is a strict IPv6 literal (no zone); ``text`` is its `inet_ntop` form without brackets.
/// - Otherwise the host is percent-decoded (it must be UTF-8). When it ends in a number (its last label is all
///   ASCII digits, or `0x` and hex digits, as the WHATWG URL standard puts it) it must be an IPv4 literal and
///   ``text`` is the dotted quad.
/// - Otherwise it is a name: one trailing dot removed, lowercased, NFC-normalised, and each label either ASCII
///   (`a`–`z`, `0`–`9`, `_`, `-`, 1 to 63 characters, no `-` at either end; an `xn--` label is kept as it is) or
///   Unicode (letters, digits, combining marks and `-`) encoded as `xn--` and Punycode; 253 characters at most.
public struct WebhookHost: Sendable, Hashable, CustomStringConvertible {
    /// The canonical text: a lowercase ASCII name without a trailing dot, or an address without brackets.
    public let text: String
    /// The address, when the host is an address literal; `nil` for a name.
    public let address: IPAddress?

    /// Why a host was refused; ``description`` is safe to show the customer.
    public struct Refusal: Error, Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case invalidIPv6Address, invalidIPv4Address, invalidName
        }

        private let base: Base

        /// A bracketed host that is not exactly an IPv6 address (a zone, a typo, `[v1.x]`).
        public static let invalidIPv6Address = Refusal(base: .invalidIPv6Address)
        /// A host ending in a number that is not exactly an IPv4 address (`1.2.3.256`, `example.123`).
        public static let invalidIPv4Address = Refusal(base: .invalidIPv4Address)
        /// A name with a character, label or length that no DNS name has.
        public static let invalidName = Refusal(base: .invalidName)

        /// The refusal as it reads after "The URL …": "has an invalid host name".
        public var description: String {
            switch base {
            case .invalidIPv6Address: "has an invalid IPv6 address"
            case .invalidIPv4Address: "has an invalid IPv4 address"
            case .invalidName: "has an invalid host name"
            }
        }
    }

    /// The longest name accepted, in characters, without a trailing dot.
    public static let maximumNameLength = 253
    /// The longest label accepted, in characters (after Punycode encoding).
    public static let maximumLabelLength = 63

    /// Canonicalises a URL's host as `URLComponents.percentEncodedHost` gives it.
    ///
    /// - Parameter percentEncodedHost: The host as written in the URL, IPv6 in brackets.
    /// - Throws: ``Refusal`` when the host is not a valid address literal or DNS name.
    public init(percentEncodedHost: String) throws(Refusal) {
        if percentEncodedHost.hasPrefix("[") {
            guard let address = IPAddress(literal: percentEncodedHost), case .v6 = address else {
                throw .invalidIPv6Address
            }
            self.init(address: address)
            return
        }
        guard let decoded = Self.percentDecoded(percentEncodedHost) else { throw .invalidName }
        if Self.endsInANumber(decoded) {
            guard let address = IPAddress.parseIPv4(Array(decoded.utf8)[...]) else { throw .invalidIPv4Address }
            self.init(address: address)
            return
        }
        self.init(text: try Self.canonicalName(decoded), address: nil)
    }

    /// The host of an address literal.
    public init(address: IPAddress) {
        self.init(text: address.description, address: address)
    }

    private init(text: String, address: IPAddress?) {
        self.text = text
        self.address = address
    }

    /// Whether the host is an address literal rather than a name.
    public var isAddressLiteral: Bool { address != nil }

    /// The name to send as TLS SNI and to verify the certificate against: ``text`` for a name, `nil` for an
    /// address literal (RFC 6066 allows no literal in SNI).
    public var serverName: String? { address == nil ? text : nil }

    /// The host as written in a URL or a `Host` header: IPv6 in brackets.
    public var urlHost: String { address?.urlHost ?? text }

    /// The canonical text, ``text``.
    public var description: String { text }
}

extension WebhookHost {
    /// Decodes `%XX` escapes; `nil` when an escape is malformed or the result is not UTF-8.
    static func percentDecoded(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap({ IPAddress.digitValue($0, radix: 16) }),
                let low = iterator.next().flatMap({ IPAddress.digitValue($0, radix: 16) })
            else { return nil }
            bytes.append(UInt8(high << 4 | low))
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The WHATWG URL standard's "ends in a number" (https://url.spec.whatwg.org/#ends-in-a-number-checker).
    ///
    /// The last label, ignoring one trailing empty label, is all ASCII digits or `0x`/`0X` and hex digits.
    static func endsInANumber(_ host: String) -> Bool {
        var labels = host.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        if labels.count > 1, labels.last?.isEmpty == true {
            labels.removeLast()
        }
        guard let last = labels.last, !last.isEmpty else { return false }
        if last.allSatisfy({ IPAddress.digitValue($0, radix: 10) != nil }) {
            return true
        }
        let bytes = Array(last)
        return bytes.count >= 2 && bytes[0] == UInt8(ascii: "0")
            && (bytes[1] == UInt8(ascii: "x") || bytes[1] == UInt8(ascii: "X"))
            && bytes.dropFirst(2).allSatisfy { IPAddress.digitValue($0, radix: 16) != nil }
    }

    /// The canonical ASCII form of a decoded name.
    static func canonicalName(_ decoded: String) throws(Refusal) -> String {
        var scalars = decoded.unicodeScalars[...]
        if scalars.last == "." {
            scalars.removeLast()
        }
        let normalized = String(String.UnicodeScalarView(scalars)).lowercased().precomposedStringWithCanonicalMapping
        guard !normalized.isEmpty else { throw .invalidName }
        var labels: [String] = []
        for label in normalized.unicodeScalars.split(separator: ".", omittingEmptySubsequences: false) {
            labels.append(try canonicalLabel(label))
        }
        let name = labels.joined(separator: ".")
        guard name.utf8.count <= maximumNameLength else { throw .invalidName }
        return name
    }

    /// One label of a lowercased, NFC-normalised name: ASCII as it is, Unicode as `xn--` and Punycode.
    private static func canonicalLabel(_ label: Substring.UnicodeScalarView) throws(Refusal) -> String {
        guard let first = label.first, let last = label.last, first != "-", last != "-",
            label.count <= maximumLabelLength
        else { throw .invalidName }
        if label.allSatisfy(\.isASCII) {
            guard label.allSatisfy(isASCIILabelCharacter) else { throw .invalidName }
            return String(String.UnicodeScalarView(label))
        }
        guard !isCombiningMark(first), label.allSatisfy(isUnicodeLabelCharacter) else { throw .invalidName }
        let encoded = "xn--" + Punycode.encode(label)
        guard encoded.utf8.count <= maximumLabelLength else { throw .invalidName }
        return encoded
    }

    /// `a`–`z`, `0`–`9`, `_` and `-` (`_` appears in real names, such as `_acme-challenge` or some CDNs').
    private static func isASCIILabelCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "0"..."9", "_", "-": true
        default: false
        }
    }

    /// A letter, a decimal digit, a combining mark or `-`.
    private static func isUnicodeLabelCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber:
            true
        default:
            scalar == "-" || isCombiningMark(scalar)
        }
    }

    private static func isCombiningMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }
}
