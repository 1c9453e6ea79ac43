import HookdCore
import Testing

/// CIDR blocks, and who a request is from behind trusted proxies.
@Suite struct ForwardedClientTests {
    @Test(arguments: [
        ("10.0.0.0/8", "10.255.1.2", true), ("10.0.0.0/8", "11.0.0.1", false), ("192.0.2.7", "192.0.2.7", true),
        ("192.0.2.7", "192.0.2.8", false), ("10.0.0.0/8", "::ffff:10.1.2.3", true), ("0.0.0.0/0", "203.0.113.1", true),
        ("2001:db8::/32", "2001:db8:1::5", true), ("2001:db8::/32", "2001:db9::1", false), ("::1", "::1", true),
        ("10.0.0.0/8", "2001:db8::1", false), ("172.16.0.0/12", "172.31.255.255", true),
        ("172.16.0.0/12", "172.32.0.0", false),
    ])
    func aRangeContainsItsAddresses(range: String, address: String, contained: Bool) throws {
        let block = try #require(AddressRange(range))
        #expect(block.contains(try #require(IPAddress(literal: address))) == contained, "\(range) ∋ \(address)")
    }

    @Test(arguments: [
        "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/+8", "10.0.0.0/a", "example.com", "", "::/129", "1.2.3.4/8/8",
    ])
    func malformedRangesAreRefused(text: String) {
        #expect(AddressRange(text) == nil, "\(text)")
    }

    @Test func theNetworkIsMaskedToItsPrefix() throws {
        #expect(try #require(AddressRange("10.1.2.3/8")).description == "10.0.0.0/8")
        #expect(try #require(AddressRange("192.0.2.7")).description == "192.0.2.7/32")
    }

    static let trusted = [AddressRange("10.0.0.0/8")!, AddressRange("192.0.2.1")!]

    @Test(arguments: [
        // The rightmost address that is not a trusted proxy.
        ("10.0.0.5", ["203.0.113.9, 198.51.100.2, 10.0.0.7"], "198.51.100.2"),
        ("10.0.0.5", ["203.0.113.9", "198.51.100.2"], "198.51.100.2"),
        ("192.0.2.1", ["198.51.100.2,10.0.0.7, 192.0.2.1"], "198.51.100.2"),
        // An untrusted peer is the client, whatever it sends.
        ("192.0.2.99", ["198.51.100.2"], "192.0.2.99"),
        // No header, only proxies, or a chain that cannot be read: the peer.
        ("10.0.0.5", [], "10.0.0.5"),
        ("10.0.0.5", ["10.0.0.6, 10.0.0.7"], "10.0.0.5"),
        ("10.0.0.5", ["198.51.100.2, not-an-address"], "10.0.0.5"),
        // What the client wrote left of the first untrusted address is never read.
        ("10.0.0.5", ["garbage, 198.51.100.2"], "198.51.100.2"),
    ])
    func theClientIsTheRightmostUntrustedAddress(peer: String, forwarded: [String], client: String) {
        #expect(ForwardedClient.address(peer: peer, forwardedFor: forwarded, trusted: Self.trusted) == client)
    }

    @Test func withoutTrustedProxiesThePeerIsTheClient() {
        #expect(ForwardedClient.address(peer: "10.0.0.5", forwardedFor: ["198.51.100.2"], trusted: []) == "10.0.0.5")
        #expect(ForwardedClient.address(peer: nil, forwardedFor: ["198.51.100.2"], trusted: Self.trusted) == nil)
    }
}
