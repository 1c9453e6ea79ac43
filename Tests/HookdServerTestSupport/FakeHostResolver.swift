package import HookdCore
import Synchronization

/// Resolves names from a fixed table, so no test ever sends a DNS query. Unknown names fail to resolve.
package struct FakeHostResolver: HostResolver {
    package let table: [String: [IPAddress]]

    package init(_ table: [String: [String]] = [:]) {
        self.table = table.mapValues { $0.map { IPAddress(literal: $0)! } }
    }

    /// The names the suites use: a public address for the ordinary host, and names that point at forbidden ones.
    package static let standard = FakeHostResolver([
        "hooks.example.com": ["93.184.215.14"],
        "ipv6.example.com": ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
        "loopback.example.com": ["127.0.0.1"],
        "private.example.com": ["10.0.0.7"],
        "metadata.example.com": ["169.254.169.254"],
        "mixed.example.com": ["93.184.215.14", "192.168.1.1"],
        "mapped.example.com": ["::ffff:127.0.0.1"],
    ])

    package func addresses(of host: String) async throws -> [IPAddress] {
        guard let addresses = table[host] else { throw HostResolutionError(description: "no such host") }
        return addresses
    }
}

/// A resolver whose table a test can change while the server runs (DNS rebinding), and whose name server can go
/// silent for a name: a lookup of a silenced name waits until its task is cancelled.
package final class MutableHostResolver: HostResolver {
    private struct State {
        package var table: [String: [IPAddress]]
        package var silenced: Set<String> = []
        package var lookups = 0
        package var unanswered = 0
    }

    private let state: Mutex<State>

    package init(_ table: [String: [String]]) {
        state = Mutex(State(table: table.mapValues { $0.map { IPAddress(literal: $0)! } }))
    }

    package func set(_ host: String, to addresses: [String]) {
        state.withLock { $0.table[host] = addresses.map { IPAddress(literal: $0)! } }
    }

    /// From now on, lookups of `host` never answer.
    package func silence(_ host: String) {
        state.withLock { _ = $0.silenced.insert(host) }
    }

    /// Lookups made so far, and how many of them were never answered (they ended when their task was cancelled).
    package var counts: (lookups: Int, unanswered: Int) { state.withLock { ($0.lookups, $0.unanswered) } }

    package func addresses(of host: String) async throws -> [IPAddress] {
        let (addresses, silent) = state.withLock { state in
            state.lookups += 1
            return (state.table[host], state.silenced.contains(host))
        }
        if silent {
            do {
                try await Task.sleep(for: .seconds(3600))
            } catch {
                state.withLock { $0.unanswered += 1 }
                throw error
            }
        }
        guard let addresses else { throw HostResolutionError(description: "no such host") }
        return addresses
    }
}
