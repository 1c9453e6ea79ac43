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
        ("0x7f000001", "127.0.0.1"), ("0X7F.1", "127.0.0.1"), ("127.0.0.1.", "127.0.0.1"), ("0", "0.0.0.0"),
        ("4294967295", "255.255.255.255"), ("0xffffffff", "255.255.255.255"), ("1.65535", "1.0.255.255"),
        ("1.2.65535", "1.2.255.255"), ("1.16777215", "1.255.255.255"), ("00000000000000000000177.1", "127.0.0.1"),
        ("0x0000000000000000000000007f.1", "127.0.0.1"), ("010.010.010.010", "8.8.8.8"),
        ("[::1]", "::1"), ("[0:0::1]", "::1"), ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
        ("::FFFF:7F00:1", "::ffff:127.0.0.1"), ("FE80::1", "fe80::1"),
    ])
    func legacyAndBracketedLiteralsParseTheWayTheyWouldConnect(literal: String, expected: String) throws {
        let parsed = try #require(IPAddress(literal: literal))
        #expect(parsed.description == expected)
    }

    @Test(arguments: [
        "1.2.3.4 ", "1.2.3.4junk", "1.2.3.4 junk", "1.2.3.4%20", "1.2.3.4\u{0}", "1.2.3.4\t", " 1.2.3.4", "1.2.3.256",
        "1.2.3.4.5", "1.2.3.4..", "1..2.3", ".1.2.3", ".", "0x", "0x.0.0.1", "09.1.1.1", "08", "0x7g.0.0.1",
        "256.1", "1.16777216", "4294967296", "0x100000000", "99999999999999999999999", "1.2.3.-4", "+1.2.3.4",
        "1.2.3.0x", "\u{FF11}27.0.0.1", "127.0.0.\u{0661}",
        "::1%lo", "fe80::1%eth0", "[fe80::1%eth0]", "[fe80::1%25eth0]", "[::1]x", "[::1", "::1]", " ::1", "::1 ",
        "[ ::1]", "[]", "[1.2.3.4]", "::g", ":::1", "1::2::3", "::ffff:1.2.3.256", "::ffff:1.2.3.04", "[v1.x]",
    ])
    func malformedLiteralsAreRefused(literal: String) {
        #expect(IPAddress(literal: literal) == nil)
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
