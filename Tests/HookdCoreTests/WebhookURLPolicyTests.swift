import HookdCore
import Synchronization
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
        "rebind.hookd.test": ["93.184.215.14"],
        "xn--bcher-kva.example": ["93.184.215.14"],
        "example.com": ["93.184.215.14"],
        "dual.example.com": [
            "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "2a00:1450:4001:80b::200e", "93.184.215.14", "8.8.8.8",
        ],
    ])

    let policy = WebhookURLPolicy(allowHTTPTargets: false, addressPolicy: AddressPolicy(), resolver: resolver)

    @Test func aPublicHTTPSURLPassesWithItsAddresses() async throws {
        let checked = try await policy.check("https://hooks.example.com:8443/fyatu?x=1")
        #expect(checked.host == "hooks.example.com")
        #expect(checked.port == 8443)
        #expect(checked.addresses == [IPAddress(literal: "93.184.215.14")!])
        #expect(checked.requestTarget == "/fyatu?x=1")
        #expect(checked.hostHeader == "hooks.example.com:8443")
        #expect(checked.serverName == "hooks.example.com")
        #expect(!checked.isAddressLiteral)
        #expect(try await policy.check("https://HOOKS.example.com./a").addresses.count == 1)
    }

    @Test(arguments: [
        ("https://ReBind.Hookd.TEST./", "rebind.hookd.test"), ("https://HOOKS.example.com./a", "hooks.example.com"),
        ("https://Bücher.example/", "xn--bcher-kva.example"),
        ("https://XN--BCHER-KVA.example./", "xn--bcher-kva.example"),
        ("https://b%C3%BCcher.example/", "xn--bcher-kva.example"), ("https://ex%41mple.com/", "example.com"),
    ])
    func theResolverIsAskedForTheCanonicalName(url: String, name: String) async throws {
        let checked = try await policy.check(url)
        #expect(checked.url == url)
        #expect(checked.host == name)
        #expect(checked.serverName == name)
        #expect(checked.addresses == [IPAddress(literal: "93.184.215.14")!])
    }

    @Test(arguments: [
        ("https://hooks.example.com/", "hooks.example.com", "hooks.example.com", "/"),
        ("https://hooks.example.com:443", "hooks.example.com", "hooks.example.com", "/"),
        ("https://hooks.example.com:8443?x", "hooks.example.com", "hooks.example.com:8443", "/?x"),
        ("https://93.184.215.14/a/b?c=d", "93.184.215.14", "93.184.215.14", "/a/b?c=d"),
        ("https://0x5D.0xB8.0xD7.0x0E:444/", "93.184.215.14", "93.184.215.14:444", "/"),
        ("https://1572394766/ü?é", "93.184.215.14", "93.184.215.14", "/%C3%BC?%C3%A9"),
        (
            "https://[2606:2800:21F:CB07:6820:80DA:AF6B:8B2C]/", "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
            "[2606:2800:21f:cb07:6820:80da:af6b:8b2c]", "/"
        ),
        (
            "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:8443/x", "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
            "[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:8443", "/x"
        ),
    ])
    func theCanonicalPiecesAreReadyToSend(url: String, host: String, hostHeader: String, target: String) async throws {
        let checked = try await policy.check(url)
        #expect(checked.host == host)
        #expect(checked.hostHeader == hostHeader)
        #expect(checked.requestTarget == target)
        let literal = IPAddress(literal: host)
        #expect(checked.isAddressLiteral == (literal != nil))
        #expect(checked.serverName == (literal == nil ? host : nil))
        if let literal {
            #expect(checked.addresses == [literal])
        }
    }

    @Test(arguments: [
        ("http://hooks.example.com/", "hooks.example.com"), ("http://hooks.example.com:80/", "hooks.example.com"),
        ("http://hooks.example.com:443/", "hooks.example.com:443"),
        ("http://[2a00:1450:4001:80b::200e]:80/", "[2a00:1450:4001:80b::200e]"),
    ])
    func theHostHeaderOmitsOnlyTheSchemesOwnPort(url: String, hostHeader: String) async throws {
        let relaxed = WebhookURLPolicy(allowHTTPTargets: true, addressPolicy: AddressPolicy(), resolver: Self.resolver)
        #expect(try await relaxed.check(url).hostHeader == hostHeader)
    }

    @Test(arguments: [
        (["v6a", "v6b", "v4a", "v4b"], ["v6a", "v4a", "v6b", "v4b"]),
        (["v4a", "v6a", "v6b", "v4a", "v6a"], ["v4a", "v6a", "v6b"]),
        (["v4a", "v4b", "v6a"], ["v4a", "v6a", "v4b"]),
        (["v6b", "v6a", "v6b"], ["v6b", "v6a"]),
        (["v4b", "v4a", "v6a", "v6b", "v4a"], ["v4b", "v6a", "v4a", "v6b"]),
    ])
    func addressesComeInterleavedByFamilyWithoutDuplicates(answer: [String], expected: [String]) async throws {
        let names = [
            "v6a": "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "v6b": "2a00:1450:4001:80b::200e",
            "v4a": "93.184.215.14", "v4b": "8.8.8.8",
        ]
        let resolver = TableResolver(table: ["order.example.com": answer.map { names[$0]! }])
        let policy = WebhookURLPolicy(allowHTTPTargets: false, addressPolicy: AddressPolicy(), resolver: resolver)
        let checked = try await policy.check("https://order.example.com/")
        #expect(checked.addresses == expected.map { IPAddress(literal: names[$0]!)! })
    }

    @Test func theStandardResolverTableInterleavesToo() async throws {
        let checked = try await policy.check("https://dual.example.com/")
        #expect(
            checked.addresses.map(\.description) == [
                "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "93.184.215.14", "2a00:1450:4001:80b::200e", "8.8.8.8",
            ]
        )
    }

    /// Every form `inet_aton` or a zone once let through stays refused, and never as the address it resembles.
    @Test(arguments: [
        ("https://1.2.3.4%20/", WebhookURLPolicy.Violation.Kind.invalid), ("https://1.2.3.4%00/", .invalid),
        ("https://1.2.3.4%09/", .invalid), ("https://1.2.3.4%20junk/", .invalid), ("https://1.2.3.4junk/", .unresolved),
        ("https://1.2.3.256/", .invalid), ("https://1.2.3.4.5/", .invalid), ("https://0x/", .invalid),
        ("https://09.1.1.1/", .invalid), ("https://1.2.3.0x/", .invalid), ("https://[fe80::1%25eth0]/", .invalid),
        ("https://[::1%25lo]/", .invalid), ("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c%251]/", .invalid),
        ("https://[1.2.3.4]/", .invalid), ("https://[::1]x/", .invalid), ("https://%31%32%37.0.0.1/", .forbidden),
        ("https://127.0.0.1%2E/", .forbidden), ("https://LocalHost%2E/", .forbidden), ("https://%3A%3A1/", .invalid),
        ("https://exa%20mple.com/", .invalid), ("https://a..b/", .invalid), ("https://hooks.example.com%2F/", .invalid),
    ])
    func malformedHostsStayRefusedAtCheck(url: String, kind: WebhookURLPolicy.Violation.Kind) async {
        guard let violation = await violation(of: url) else { return }
        #expect(violation.kind == kind, "\(url): \(violation.message)")
    }

    /// Why `url` was refused; `nil`, with an issue recorded, when it was accepted.
    func violation(of url: String) async -> WebhookURLPolicy.Violation? {
        do {
            let checked = try await policy.check(url)
            Issue.record("\(url) was accepted as \(checked.host) with \(checked.addresses)")
            return nil
        } catch {
            return error
        }
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
        ("https://v6.example.com/", .forbidden), ("https://empty.example.com/", .unresolved),
        ("https://unknown.example.com/", .unresolved), ("https://1.2.3.999/", .invalid),
        ("http://hooks.example.com/", .httpsRequired), ("ftp://hooks.example.com/", .httpsRequired),
        ("https://user@hooks.example.com/", .invalid), ("https://u:p@hooks.example.com/", .invalid),
        ("//hooks.example.com/", .invalid), ("https:///path", .invalid), ("not a url", .invalid),
        ("https://hooks.example.com/#frag", .invalid), ("https://hooks.example.com:0/", .invalid),
        ("https://hooks.example.com/\u{0}", .invalid),
    ])
    func refusedURLsSayWhy(url: String, kind: WebhookURLPolicy.Violation.Kind) async {
        guard let violation = await violation(of: url) else { return }
        #expect(violation.kind == kind, "\(url): \(violation.message)")
        #expect(!violation.message.isEmpty)
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

    /// A name server that never answers costs the resolution timeout and no more (SPEC §13): the URL is refused as
    /// unresolved, and the lookup is cancelled rather than left running.
    @Test func aLookupThatNeverAnswersEndsAtTheResolutionTimeout() async {
        let resolver = SilentResolver()
        let silent = WebhookURLPolicy(
            allowHTTPTargets: false,
            addressPolicy: AddressPolicy(allowPrivateTargets: false),
            resolver: resolver,
            resolutionTimeout: .milliseconds(200)
        )
        do {
            let checked = try await silent.check("https://silent.example.com/")
            Issue.record("accepted with \(checked.addresses)")
        } catch {
            #expect(error.kind == .unresolved)
            #expect(error.message == "host could not be resolved within 0.2 s")
        }
        #expect(resolver.cancelled, "the lookup was cancelled when the timeout passed")
    }
}

/// A resolver whose name server never answers: each lookup waits until its task is cancelled, and says so.
final class SilentResolver: HostResolver {
    private let wasCancelled = Mutex(false)

    var cancelled: Bool { wasCancelled.withLock { $0 } }

    func addresses(of host: String) async throws -> [IPAddress] {
        do {
            try await Task.sleep(for: .seconds(3600))
        } catch {
            wasCancelled.withLock { $0 = true }
            throw error
        }
        return []
    }
}
