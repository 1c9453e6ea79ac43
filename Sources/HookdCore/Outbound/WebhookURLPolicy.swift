#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Checks a webhook URL before it is stored and again before each delivery attempt (SPEC §3 and §6).
///
/// The shape is checked first (absolute, `https` unless allowed, no user info, at most 2048 characters) and the
/// host is put in its one canonical spelling (``WebhookHost``), then judged: an address literal directly, a name
/// by resolving it and judging every address it yields. The addresses that passed are returned with the
/// canonical host, `Host` header, TLS server name and request target, so that the caller connects to exactly
/// those addresses under exactly that name.
public struct WebhookURLPolicy: Sendable {
    /// The longest URL accepted, in characters.
    public static let maximumLength = 2048

    /// Whether `http://` targets are accepted (development only).
    public var allowHTTPTargets: Bool
    /// Which resolved addresses are acceptable.
    public var addressPolicy: AddressPolicy
    /// How names are resolved.
    public var resolver: any HostResolver
    /// How long resolving a name may take (SPEC §13): past it the URL is refused as unresolved, and the resolver's
    /// task is cancelled (a ``HostResolver`` stops when its task is cancelled).
    public var resolutionTimeout: Duration

    public init(
        allowHTTPTargets: Bool,
        addressPolicy: AddressPolicy,
        resolver: any HostResolver,
        resolutionTimeout: Duration = .seconds(5)
    ) {
        self.allowHTTPTargets = allowHTTPTargets
        self.addressPolicy = addressPolicy
        self.resolver = resolver
        self.resolutionTimeout = resolutionTimeout
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
            /// The host's name could not be resolved (no such name, or no answer within the resolution timeout):
            /// nothing was judged, and the same URL may pass later.
            case unresolved
        }

        public let kind: Kind
        public let message: String
    }

    /// Checks the URL's shape without resolving its host, and canonicalises its host and request target.
    ///
    /// - Returns: The lowercased scheme, the canonical host (see ``WebhookHost``), the port (explicit or the
    ///   scheme's default) and the request target (see ``CheckedURL/requestTarget``).
    /// - Throws: ``Violation`` of kind `invalid` or `httpsRequired`.
    public func checkShape(
        _ url: String
    ) throws(Violation) -> (scheme: String, host: WebhookHost, port: Int, requestTarget: String) {
        guard url.count <= Self.maximumLength else {
            throw Violation(kind: .invalid, message: "must be at most \(Self.maximumLength) characters")
        }
        guard !url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }),
            let components = URLComponents(string: url),
            let scheme = components.scheme?.lowercased(),
            let encodedHost = components.percentEncodedHost, !encodedHost.isEmpty
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
        let host: WebhookHost
        do {
            host = try WebhookHost(percentEncodedHost: encodedHost)
        } catch {
            throw Violation(kind: .invalid, message: error.description)
        }
        let port = components.port ?? Self.defaultPort(for: scheme)
        guard (1...65535).contains(port) else {
            throw Violation(kind: .invalid, message: "has an invalid port")
        }
        let requestTarget = CheckedURL.requestTarget(
            percentEncodedPath: components.percentEncodedPath,
            percentEncodedQuery: components.percentEncodedQuery
        )
        return (scheme, host, port, requestTarget)
    }

    /// Checks the URL's shape, resolves its canonical host and checks every address.
    ///
    /// An address literal is judged as it is; a name is refused when it is `localhost` or under `.localhost`
    /// (unless private targets are allowed), and is otherwise resolved by its canonical spelling.
    ///
    /// - Returns: The canonical pieces of the URL and every address it may be sent to, in connection order.
    /// - Throws: ``Violation`` describing the first rule broken; any forbidden address refuses the whole URL.
    public func check(_ url: String) async throws(Violation) -> CheckedURL {
        try await check(url, resolvingWithin: resolutionTimeout)
    }

    /// ``check(_:)`` with the resolution bounded by `timeout` rather than ``resolutionTimeout`` (an attempt gives it
    /// what is left of its own deadline when that is less).
    public func check(_ url: String, resolvingWithin timeout: Duration) async throws(Violation) -> CheckedURL {
        let (scheme, host, port, requestTarget) = try checkShape(url)
        let addresses: [IPAddress]
        if let literal = host.address {
            addresses = [literal]
        } else {
            let name = host.text
            if !addressPolicy.allowPrivateTargets && (name == "localhost" || name.hasSuffix(".localhost")) {
                throw Violation(kind: .forbidden, message: "must not point to a loopback address")
            }
            addresses = try await resolve(name, within: timeout)
        }
        for address in addresses {
            if let refusal = addressPolicy.refusal(for: address) {
                throw Violation(kind: .forbidden, message: "must not point to a \(refusal.phrase) address")
            }
        }
        return CheckedURL(
            url: url,
            scheme: scheme,
            host: host.text,
            port: port,
            addresses: Self.connectionOrder(addresses),
            requestTarget: requestTarget,
            isAddressLiteral: host.isAddressLiteral
        )
    }
}

extension WebhookURLPolicy {
    /// The addresses of `name`, or ``Violation/Kind/unresolved`` when it has none, its lookup fails, or no answer
    /// comes within `timeout` (the lookup is then cancelled).
    private func resolve(_ name: String, within timeout: Duration) async throws(Violation) -> [IPAddress] {
        let resolver = self.resolver
        let answer: [IPAddress]?
        do {
            answer = try await withThrowingTaskGroup(of: [IPAddress]?.self) { group in
                group.addTask { try await resolver.addresses(of: name) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
        } catch let error as HostResolutionError {
            throw Violation(kind: .unresolved, message: "host could not be resolved: \(error.description)")
        } catch {
            throw Violation(kind: .unresolved, message: "host could not be resolved")
        }
        guard let answer else {
            throw Violation(kind: .unresolved, message: "host could not be resolved within \(Self.seconds(timeout)) s")
        }
        guard !answer.isEmpty else {
            throw Violation(kind: .unresolved, message: "host could not be resolved")
        }
        return answer
    }

    /// Seconds as a message writes them: whole, or with their fraction ("0.5").
    private static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        guard attoseconds != 0 else { return String(seconds) }
        return "\(Double(seconds) + Double(attoseconds) / 1e18)"
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
