import Foundation
import HookdCore
import Testing

@Suite struct AddressPolicyTests {
    static let forbidden = [
        "127.0.0.1", "127.255.0.9", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
        "100.64.0.1", "100.127.255.254", "0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250", "255.255.255.255",
        "240.0.0.1", "192.0.0.8", "192.0.2.1", "198.18.0.1", "198.51.100.7", "203.0.113.9",
        "::1", "::", "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254", "fe80::1", "fc00::1",
        "fd12:3456::1",
        "ff02::1", "2001:db8::1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "2002:a00:1::",
        "::127.0.0.1",
        "fec0::1", "100::1", "2001::1", "3fff::1",
    ]

    static let allowed = [
        "93.184.215.14", "8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1",
        "192.169.0.1", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "2a00:1450:4001:80b::200e", "::ffff:93.184.215.14",
        "64:ff9b::808:808",
    ]

    @Test(arguments: forbidden)
    func specialPurposeAddressesAreRefused(address: String) throws {
        let parsed = try #require(IPAddress(literal: address))
        #expect(AddressPolicy().refusal(for: parsed) != nil)
    }

    @Test(arguments: allowed)
    func globalAddressesAreAllowed(address: String) throws {
        let parsed = try #require(IPAddress(literal: address))
        #expect(AddressPolicy().refusal(for: parsed) == nil)
    }

    @Test(arguments: [
        ("2130706433", "127.0.0.1"), ("0x7f.0.0.1", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"), ("127.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"), ("[::1]", "::1"), ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
        ("[fe80::1%25eth0]", "fe80::1"),
    ])
    func legacyAndBracketedLiteralsParseTheWayTheyWouldConnect(literal: String, expected: String) throws {
        let parsed = try #require(IPAddress(literal: literal.replacingOccurrences(of: "%25", with: "%")))
        #expect(parsed == IPAddress(literal: expected))
    }

    @Test(arguments: ["example.com", "localhost", "1.2.3.example", ""])
    func namesAreNotLiterals(name: String) {
        #expect(IPAddress(literal: name) == nil)
    }

    @Test func theDevelopmentSwitchAllowsPrivateButNeverUnspecifiedOrMulticast() throws {
        let policy = AddressPolicy(allowPrivateTargets: true)
        for address in ["127.0.0.1", "::1", "10.0.0.1", "192.168.1.1", "fd00::1"] {
            #expect(policy.refusal(for: try #require(IPAddress(literal: address))) == nil)
        }
        for address in ["0.0.0.0", "::", "224.0.0.1", "ff02::1", "255.255.255.255"] {
            #expect(policy.refusal(for: try #require(IPAddress(literal: address))) != nil)
        }
    }
}
