import HookdCore
import Testing

/// Resolves from a table; never sends a DNS query.
struct TableResolver: HostResolver {
    let table: [String: [String]]

    func addresses(of host: String) async throws -> [IPAddress] {
        guard let entries = table[host] else { throw HostResolutionError(description: "no such host") }
        return entries.compactMap(IPAddress.init(literal:))
    }
}

@Suite struct WebhookURLPolicyTests {
    static let resolver = TableResolver(table: [
        "hooks.example.com": ["93.184.215.14"],
        "rebind.example.com": ["93.184.215.14", "127.0.0.1"],
        "metadata.example.com": ["169.254.169.254"],
        "v6.example.com": ["fc00::1"],
        "empty.example.com": [],
    ])

    let policy = WebhookURLPolicy(allowHTTPTargets: false, addressPolicy: AddressPolicy(), resolver: resolver)

    @Test func aPublicHTTPSURLPassesWithItsAddresses() async throws {
        let checked = try await policy.check("https://hooks.example.com:8443/fyatu?x=1")
        #expect(checked.host == "hooks.example.com")
        #expect(checked.port == 8443)
        #expect(checked.addresses == [IPAddress(literal: "93.184.215.14")!])
        #expect(try await policy.check("https://HOOKS.example.com./a").addresses.count == 1)
    }

    @Test(arguments: [
        ("https://127.0.0.1/", WebhookURLPolicy.Violation.Kind.forbidden),
        ("https://localhost/", .forbidden), ("https://LOCALHOST./", .forbidden), ("https://app.localhost/", .forbidden),
        ("https://[::1]/", .forbidden), ("https://10.0.0.1/", .forbidden), ("https://172.16.0.1/", .forbidden),
        ("https://192.168.1.1/", .forbidden), ("https://169.254.169.254/", .forbidden),
        ("https://100.64.0.1/", .forbidden),
        ("https://0.0.0.0/", .forbidden), ("https://[::ffff:127.0.0.1]/", .forbidden),
        ("https://[fe80::1]/", .forbidden),
        ("https://[fc00::1]/", .forbidden), ("https://2130706433/", .forbidden), ("https://0x7f.0.0.1/", .forbidden),
        ("https://rebind.example.com/", .forbidden), ("https://metadata.example.com/", .forbidden),
        ("https://v6.example.com/", .forbidden), ("https://empty.example.com/", .forbidden),
        ("https://unknown.example.com/", .forbidden), ("https://1.2.3.999/", .invalid),
        ("http://hooks.example.com/", .httpsRequired), ("ftp://hooks.example.com/", .httpsRequired),
        ("https://user@hooks.example.com/", .invalid), ("https://u:p@hooks.example.com/", .invalid),
        ("//hooks.example.com/", .invalid), ("https:///path", .invalid), ("not a url", .invalid),
        ("https://hooks.example.com/#frag", .invalid), ("https://hooks.example.com:0/", .invalid),
        ("https://hooks.example.com/\u{0}", .invalid),
    ])
    func refusedURLsSayWhy(url: String, kind: WebhookURLPolicy.Violation.Kind) async {
        do {
            let checked = try await policy.check(url)
            Issue.record("\(url) was accepted with \(checked.addresses)")
        } catch {
            #expect(error.kind == kind, "\(url): \(error.message)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test func urlsOverTwoThousandFortyEightCharactersAreRefused() async {
        let base = "https://hooks.example.com/"
        let exact = base + String(repeating: "a", count: 2048 - base.count)
        await #expect(throws: Never.self) { _ = try await policy.check(exact) }
        await #expect(throws: WebhookURLPolicy.Violation.self) { _ = try await policy.check(exact + "a") }
    }

    @Test func httpIsAcceptedWithTheSwitch() async throws {
        let relaxed = WebhookURLPolicy(allowHTTPTargets: true, addressPolicy: AddressPolicy(), resolver: Self.resolver)
        #expect(try await relaxed.check("http://hooks.example.com/").port == 80)
    }
}
