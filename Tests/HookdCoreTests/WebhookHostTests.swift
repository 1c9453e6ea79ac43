import Foundation
import Testing

@testable import HookdCore

@Suite struct WebhookHostTests {
    /// The host as `URLComponents` hands it to the policy.
    static func host(ofURL url: String) throws -> WebhookHost {
        let components = try #require(URLComponents(string: url))
        return try WebhookHost(percentEncodedHost: try #require(components.percentEncodedHost))
    }

    @Test(arguments: [
        ("HOOKS.Example.COM.", "hooks.example.com"), ("hooks.example.com", "hooks.example.com"),
        ("Bücher.example", "xn--bcher-kva.example"), ("XN--BCHER-KVA.example", "xn--bcher-kva.example"),
        ("b%C3%BCcher.example", "xn--bcher-kva.example"), ("B%C3%9Ccher.example", "xn--bcher-kva.example"),
        ("mu\u{0308}nchen.de", "xn--mnchen-3ya.de"), ("MÜNCHEN.DE.", "xn--mnchen-3ya.de"),
        ("例え.テスト", "xn--r8jz45g.xn--zckzah"), ("ex%41mple.com", "example.com"),
        ("_dmarc.Example.com", "_dmarc.example.com"),
        ("a-b.1.example", "a-b.1.example"), ("0x7F.1", "127.0.0.1"), ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"), ("1.2.3.4.", "1.2.3.4"), ("%31.2.3.4", "1.2.3.4"),
        ("[0:0::1]", "::1"), ("[::FFFF:127.0.0.1]", "::ffff:127.0.0.1"), ("[2001:DB8:0:0:0:0:0:1]", "2001:db8::1"),
    ])
    func everySpellingHasOneCanonicalHost(spelling: String, canonical: String) throws {
        let host = try Self.host(ofURL: "https://\(spelling)/")
        #expect(host.text == canonical)
        #expect(host.description == canonical)
        #expect(try Self.host(ofURL: "https://\(canonical.contains(":") ? "[\(canonical)]" : canonical)/") == host)
    }

    @Test func namesAndLiteralsSayWhatTheyAre() throws {
        let name = try WebhookHost(percentEncodedHost: "Hooks.Example.com")
        #expect(!name.isAddressLiteral && name.address == nil)
        #expect(name.serverName == "hooks.example.com" && name.urlHost == "hooks.example.com")
        let v4 = try WebhookHost(percentEncodedHost: "0x7f.1")
        #expect(v4.isAddressLiteral && v4.address == IPAddress(literal: "127.0.0.1"))
        #expect(v4.serverName == nil && v4.urlHost == "127.0.0.1")
        let v6 = try WebhookHost(percentEncodedHost: "[0::1]")
        #expect(v6.isAddressLiteral && v6.address == IPAddress(literal: "::1"))
        #expect(v6.serverName == nil && v6.urlHost == "[::1]" && v6.text == "::1")
    }

    @Test(arguments: [
        ("1.2.3.4%20", WebhookHost.Refusal.invalidName), ("1.2.3.4%00", .invalidName), ("1.2.3.4junk", nil),
        ("1.2.3.256", .invalidIPv4Address), ("1.2.3.4.5", .invalidIPv4Address), ("example.123", .invalidIPv4Address),
        ("0x", .invalidIPv4Address), ("09.1.1.1", .invalidIPv4Address), ("example.0x1g", nil),
        ("%31.2.3.4%2E%2E", .invalidName), ("[fe80::1%25eth0]", .invalidIPv6Address), ("[::1%lo]", .invalidIPv6Address),
        ("[1.2.3.4]", .invalidIPv6Address), ("[::1]x", .invalidIPv6Address), ("[]", .invalidIPv6Address),
        ("[v1.x]", .invalidIPv6Address), ("::1", .invalidName), ("%3A%3A1", .invalidName),
        ("", .invalidName), (".", .invalidName), ("%2E", .invalidName), ("a..b", .invalidName), (".a", .invalidName),
        ("a.b..", .invalidName), ("exa mple.com", .invalidName), ("exa%20mple.com", .invalidName),
        ("user@example.com", .invalidName), ("a%5Cb.com", .invalidName), ("a%2Fb.com", .invalidName),
        ("a%25.com", .invalidName), ("%", .invalidName), ("%4", .invalidName), ("%zz.com", .invalidName),
        ("%C3%28.com", .invalidName), ("%00.com", .invalidName), ("a%0Ab.com", .invalidName), ("-a.com", .invalidName),
        ("a-.com", .invalidName), ("xn--a-.com", .invalidName), ("-ü.com", .invalidName), ("ü-.com", .invalidName),
        ("\u{0301}a.com", .invalidName), ("☃.com", .invalidName), ("a_ü.com", .invalidName), ("a。b", .invalidName),
        (String(repeating: "a", count: 64) + ".com", .invalidName), (String(repeating: "ü", count: 60), .invalidName),
        ([String](repeating: String(repeating: "a", count: 63), count: 4).joined(separator: "."), .invalidName),
    ])
    func malformedHostsAreRefused(host: String, refusal: WebhookHost.Refusal?) {
        do {
            let accepted = try WebhookHost(percentEncodedHost: host)
            // A name that merely looks like an address (nil above) is accepted only as that name.
            #expect(refusal == nil && !accepted.isAddressLiteral, "\(host) was accepted as \(accepted)")
        } catch {
            #expect(error == refusal, "\(host): \(error)")
        }
    }

    @Test func theLimitsAreSixtyThreeAndTwoHundredFiftyThreeCharacters() throws {
        let label = String(repeating: "a", count: 63)
        #expect(try WebhookHost(percentEncodedHost: label + ".com").text == label + ".com")
        let name = [label, label, label, String(repeating: "b", count: 61)].joined(separator: ".")
        #expect(name.count == 253)
        #expect(try WebhookHost(percentEncodedHost: name + ".").text == name)
        #expect(throws: WebhookHost.Refusal.invalidName) { try WebhookHost(percentEncodedHost: name + "b") }
    }

    /// RFC 3492 §7.1 (A)–(F) (basic code points keep their case, so (D) keeps its capital P), then common labels.
    @Test(arguments: [
        (
            "\u{0644}\u{064A}\u{0647}\u{0645}\u{0627}\u{0628}\u{062A}\u{0643}\u{0644}\u{0645}\u{0648}\u{0634}\u{0639}"
                + "\u{0631}\u{0628}\u{064A}\u{061F}",
            "egbpdaj6bu4bxfgehfvwxn"
        ),
        ("\u{4ED6}\u{4EEC}\u{4E3A}\u{4EC0}\u{4E48}\u{4E0D}\u{8BF4}\u{4E2D}\u{6587}", "ihqwcrb4cv8a8dqg056pqjye"),
        ("\u{4ED6}\u{5011}\u{7232}\u{4EC0}\u{9EBD}\u{4E0D}\u{8AAA}\u{4E2D}\u{6587}", "ihqwctvzc91f659drss3x8bo0yb"),
        ("Pro\u{010D}prost\u{011B}nemluv\u{00ED}\u{010D}esky", "Proprostnemluvesky-uyb24dma41a"),
        ("למההםפשוטלאמדבריםעברית", "4dbcagdahymbxekheh6e0a7fei0b"),
        ("なぜみんな日本語を話してくれないのか", "n8jok5ay5dzabd5bym9f0cm5685rrjetr6pdxa"),
        ("bücher", "bcher-kva"), ("ü", "tda"), ("mañana", "maana-pta"), ("münchen", "mnchen-3ya"),
        ("☃", "n3h"), ("例え", "r8jz45g"), ("テスト", "zckzah"), ("abc", "abc-"),
    ])
    func punycodeMatchesTheRFCVectors(label: String, encoded: String) {
        #expect(Punycode.encode(label.unicodeScalars) == encoded)
    }

    @Test(arguments: ["例え.テスト", "bücher.example", "MÜNCHEN.de", "日本語.jp", "παράδειγμα.δοκιμή", "пример.рф"])
    func internationalNamesMatchFoundationsURL(name: String) throws {
        let foundation = try #require(URL(string: "https://\(name)/")?.host)
        #expect(try Self.host(ofURL: "https://\(name)/").text == foundation)
    }

    @Test(
        arguments: [
            ("/a b", nil, "/a%20b"), ("", nil, "/"), ("", "x=1", "/?x=1"), ("/p", "x=1&y=%20", "/p?x=1&y=%20"),
            ("/p", "", "/p?"), ("/a%20b", nil, "/a%20b"), ("/ü", "é", "/%C3%BC?%C3%A9"),
            ("/a\u{7F}\t", nil, "/a%7F%09"),
        ] as [(String, String?, String)]
    )
    func requestTargetsArePrintableASCII(path: String, query: String?, target: String) {
        let built = WebhookURLPolicy.CheckedURL.requestTarget(percentEncodedPath: path, percentEncodedQuery: query)
        #expect(built == target)
    }
}
