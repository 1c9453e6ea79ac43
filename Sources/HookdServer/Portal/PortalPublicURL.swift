import Foundation

/// The base URL a portal link is built on: `http` or `https`, a host, maybe a port and a path prefix, nothing else.
public struct PortalPublicURL: Sendable, Equatable {
    /// The URL without a trailing slash, e.g. `https://hooks.example.com`.
    public let text: String

    /// Whether cookies set under this URL must be `Secure`.
    public var isHTTPS: Bool { text.hasPrefix("https://") }

    /// `nil` unless `text` is an absolute `http`/`https` URL with a host and no user, query or fragment.
    public init?(_ text: String) {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty,
            components.user == nil, components.password == nil, components.query == nil, components.fragment == nil,
            !text.contains(where: \.isWhitespace)
        else { return nil }
        var trimmed = text
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.text = trimmed
    }

    /// The base of a request that came to `host` (its `Host` header) over plain HTTP, when the operator set no public
    /// URL; `nil` when the header is not a plain host and port.
    static func fromHostHeader(_ host: String?) -> PortalPublicURL? {
        guard let host, !host.isEmpty, host.utf8.count <= 255,
            host.unicodeScalars.allSatisfy({
                $0.isASCII && ($0.properties.isAlphabetic || "0123456789-.:[]".unicodeScalars.contains($0))
            })
        else { return nil }
        return PortalPublicURL("http://\(host)")
    }

    /// The one-time link that opens a session with `token`.
    func link(token: String) -> String {
        "\(text)/portal/enter?link=\(token)"
    }
}
