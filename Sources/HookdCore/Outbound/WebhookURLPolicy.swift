#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Checks a webhook URL before it is stored and again before each delivery attempt (SPEC §3 and §6).
///
/// The shape is checked first (absolute, `https` unless allowed, no user info, at most 2048 characters), then
/// the host: an address literal is judged directly, a name is resolved and every address it yields is judged.
/// The addresses that passed are returned so that the caller connects to exactly those.
public struct WebhookURLPolicy: Sendable {
    /// The longest URL accepted, in characters.
    public static let maximumLength = 2048

    /// Whether `http://` targets are accepted (development only).
    public var allowHTTPTargets: Bool
    /// Which resolved addresses are acceptable.
    public var addressPolicy: AddressPolicy
    /// How names are resolved.
    public var resolver: any HostResolver

    public init(allowHTTPTargets: Bool, addressPolicy: AddressPolicy, resolver: any HostResolver) {
        self.allowHTTPTargets = allowHTTPTargets
        self.addressPolicy = addressPolicy
        self.resolver = resolver
    }

    /// A URL that passed every check, with the addresses its host resolved to.
    public struct CheckedURL: Sendable {
        /// The URL as given.
        public let url: String
        /// The scheme, lowercased.
        public let scheme: String
        /// The host as written (brackets removed for IPv6).
        public let host: String
        /// The port, explicit or the scheme's default.
        public let port: Int
        /// Every address the host resolved to; all of them passed the address policy.
        public let addresses: [IPAddress]
    }

    /// Why a URL was refused; the message is safe to show the customer.
    public struct Violation: Error, Equatable, Sendable {
        /// What kind of rule was broken.
        public enum Kind: Sendable, Equatable {
            /// Not a well-formed absolute URL, too long, or with user info.
            case invalid
            /// Not `https://`.
            case httpsRequired
            /// The host is, or resolves to, a forbidden address.
            case forbidden
        }

        public let kind: Kind
        public let message: String
    }

    /// Checks the URL's shape without resolving its host.
    public func checkShape(_ url: String) throws(Violation) -> (scheme: String, host: String, port: Int) {
        guard url.count <= Self.maximumLength else {
            throw Violation(kind: .invalid, message: "must be at most \(Self.maximumLength) characters")
        }
        guard !url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }),
            let components = URLComponents(string: url),
            let scheme = components.scheme?.lowercased(),
            var host = components.host, !host.isEmpty
        else {
            throw Violation(kind: .invalid, message: "must be an absolute URL such as https://example.com/webhooks")
        }
        guard components.user == nil, components.password == nil else {
            throw Violation(kind: .invalid, message: "must not contain user information")
        }
        guard scheme == "https" || (scheme == "http" && allowHTTPTargets) else {
            throw Violation(kind: .httpsRequired, message: "must use https://")
        }
        guard components.fragment == nil else {
            throw Violation(kind: .invalid, message: "must not contain a fragment")
        }
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else {
            throw Violation(kind: .invalid, message: "has an invalid port")
        }
        return (scheme, host, port)
    }

    /// Checks the URL's shape, resolves its host and checks every address.
    ///
    /// - Throws: ``Violation`` describing the first rule broken.
    public func check(_ url: String) async throws(Violation) -> CheckedURL {
        let (scheme, host, port) = try checkShape(url)
        let addresses: [IPAddress]
        if let literal = IPAddress(literal: host) {
            addresses = [literal]
        } else {
            let name = host.lowercased().hasSuffix(".") ? String(host.lowercased().dropLast()) : host.lowercased()
            if !addressPolicy.allowPrivateTargets && (name == "localhost" || name.hasSuffix(".localhost")) {
                throw Violation(kind: .forbidden, message: "must not point to a loopback address")
            }
            if name.split(separator: ".").last.map({ $0.allSatisfy(\.isNumber) }) == true {
                // A numeric last label means an IPv4 literal, and this one did not parse as one.
                throw Violation(kind: .invalid, message: "has an invalid IPv4 address")
            }
            do {
                addresses = try await resolver.addresses(of: name)
            } catch {
                throw Violation(kind: .forbidden, message: "host could not be resolved")
            }
            guard !addresses.isEmpty else {
                throw Violation(kind: .forbidden, message: "host could not be resolved")
            }
        }
        for address in addresses {
            if let refusal = addressPolicy.refusal(for: address) {
                throw Violation(kind: .forbidden, message: "must not point to a \(refusal.phrase) address")
            }
        }
        return CheckedURL(url: url, scheme: scheme, host: host, port: port, addresses: addresses)
    }
}

extension AddressPolicy.Refusal {
    /// How the refusal reads in a message: "must not point to a private address".
    var phrase: String {
        switch self {
        case .unspecified: "unspecified"
        case .loopback: "loopback"
        case .privateNetwork: "private"
        case .sharedAddressSpace: "shared (CGNAT)"
        case .linkLocal: "link-local or metadata"
        case .multicast: "multicast"
        case .reserved: "reserved"
        case .documentation: "reserved (documentation)"
        case .uniqueLocal: "private (unique local)"
        }
    }
}
