import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a host name into the addresses it stands for.
///
/// The SSRF guard resolves through this protocol so that it can check every address before a connection is
/// made, and so that tests can resolve names without sending a DNS query anywhere.
public protocol HostResolver: Sendable {
    /// Every address `host` resolves to, in the resolver's order of preference; an empty list when it resolves
    /// to none.
    ///
    /// - Throws: When resolution fails outright.
    func addresses(of host: String) async throws -> [IPAddress]
}

/// Why a host could not be resolved.
public struct HostResolutionError: Error, CustomStringConvertible {
    /// The resolver's message.
    public let description: String

    public init(description: String) {
        self.description = description
    }
}

/// Resolves with the operating system's `getaddrinfo`, on a background thread so no task is blocked.
///
/// The addresses keep `getaddrinfo`'s order (RFC 6724 destination address selection), without duplicates.
public struct SystemHostResolver: HostResolver {
    public init() {}

    public func addresses(of host: String) async throws -> [IPAddress] {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Self.resolve(host) })
            }
        }
    }

    private static func resolve(_ host: String) throws -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else {
            throw HostResolutionError(description: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var cursor = list
        while let entry = cursor?.pointee {
            if entry.ai_family == AF_INET, let raw = entry.ai_addr {
                let v4 = raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                addresses.append(.v4(withUnsafeBytes(of: v4) { Array($0) }))
            } else if entry.ai_family == AF_INET6, let raw = entry.ai_addr {
                let v6 = raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                addresses.append(.v6(withUnsafeBytes(of: v6) { Array($0) }))
            }
            cursor = entry.ai_next
        }
        // getaddrinfo orders its answers by RFC 6724's preference; keep that order, only drop repeats.
        var seen: Set<IPAddress> = []
        return addresses.filter { seen.insert($0).inserted }
    }
}
