import HookdCore
import Synchronization

/// Resolves names from a fixed table, so no test ever sends a DNS query. Unknown names fail to resolve.
struct FakeHostResolver: HostResolver {
    let table: [String: [IPAddress]]

    init(_ table: [String: [String]] = [:]) {
        self.table = table.mapValues { $0.map { IPAddress(literal: $0)! } }
    }

    /// The names the suites use: a public address for the ordinary host, and names that point at forbidden ones.
    static let standard = FakeHostResolver([
        "hooks.example.com": ["93.184.215.14"],
        "ipv6.example.com": ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
        "loopback.example.com": ["127.0.0.1"],
        "private.example.com": ["10.0.0.7"],
        "metadata.example.com": ["169.254.169.254"],
        "mixed.example.com": ["93.184.215.14", "192.168.1.1"],
        "mapped.example.com": ["::ffff:127.0.0.1"],
    ])

    func addresses(of host: String) async throws -> [IPAddress] {
        guard let addresses = table[host] else { throw HostResolutionError(description: "no such host") }
        return addresses
    }
}

/// A resolver whose table a test can change while the server runs (DNS rebinding).
final class MutableHostResolver: HostResolver {
    private let table: Mutex<[String: [IPAddress]]>

    init(_ table: [String: [String]]) {
        self.table = Mutex(table.mapValues { $0.map { IPAddress(literal: $0)! } })
    }

    func set(_ host: String, to addresses: [String]) {
        table.withLock { $0[host] = addresses.map { IPAddress(literal: $0)! } }
    }

    func addresses(of host: String) async throws -> [IPAddress] {
        guard let addresses = table.withLock({ $0[host] }) else {
            throw HostResolutionError(description: "no such host")
        }
        return addresses
    }
}
