import HookdCore
import Testing

/// What answers and attempt logs show of header values (issue 21, item 5), and endpoint headers sealed at rest.
@Suite struct HeaderRedactionTests {
    @Test(arguments: [
        "Authorization", "authorization", "Proxy-Authorization", "Cookie", "X-Api-Key", "X-API-KEY", "X-Auth-Token",
        "X-Webhook-Secret", "X-Partner-Signature", "Authentication-Info", "X-Db-Password", "Set-Cookie", "Api-Token",
    ])
    func credentialValuesAreRedacted(name: String) {
        #expect(HeaderRedaction.isCredential(name: name))
        #expect(HeaderRedaction.redacted(name: name, value: "Bearer abc") == "[redacted]")
    }

    @Test(arguments: [
        "X-Team", "X-Tenant", "Host", "Content-Length", "X-Fyatu-Event", "X-Fyatu-Timestamp", "webhook-id",
        "webhook-timestamp", "User-Agent", "X-Request-Id", "X-Fyatu-Key-Id",
    ])
    func otherValuesStayVisible(name: String) {
        #expect(!HeaderRedaction.isCredential(name: name))
        #expect(HeaderRedaction.redacted(name: name, value: "payments") == "payments")
    }

    @Test(arguments: [
        ("X-Fyatu-Signature", "t=1767225600,v1=9f2c0a", "t=1767225600,v1=[redacted]"),
        ("x-fyatu-signature", "t=1767225600,v1=9f2c0a,v1=77aa", "t=1767225600,v1=[redacted],v1=[redacted]"),
        ("X-Fyatu-Signature", "9f2c0a", "[redacted]"),
        ("webhook-signature", "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=", "v1,[redacted]"),
        ("Webhook-Signature", "v1,K5oZ v1,Xc2=", "v1,[redacted] v1,[redacted]"),
        ("webhook-signature", "v1a,bXlzaWduYXR1cmU=", "v1a,[redacted]"),
        ("webhook-signature", "garbage", "[redacted]"),
    ])
    func signaturesKeepTheirSchemeAndTimestampOnly(name: String, value: String, shown: String) {
        #expect(HeaderRedaction.redacted(name: name, value: value) == shown)
        #expect(HeaderRedaction.redacted(name: name, value: shown) == shown, "redacting twice changes nothing")
    }

    @Test func keptLinesAreRedactedLineByLine() {
        let kept =
            "Host: a.example\nAuthorization: Basic dXNlcjpwYXNz\nX-Team: payments\n"
            + "X-Fyatu-Signature: t=1,v1=abcd"
        #expect(
            HeaderRedaction.redacted(lines: kept)
                == "Host: a.example\nAuthorization: [redacted]\nX-Team: payments\nX-Fyatu-Signature: t=1,v1=[redacted]"
        )
    }

    @Test func sealedHeadersOpenOnlyForTheirEndpoint() throws {
        let sealer = SecretSealer(primary: MasterKey.generate())
        let headers = try EndpointHeaders(validating: ["Authorization": "Bearer abc", "X-Team": "payments"])
        let sealed = try #require(try headers.sealed(by: sealer, appID: AppID("APP"), endpointID: EndpointID("whk_1")))
        #expect(!String(decoding: sealed, as: UTF8.self).contains("Bearer abc"))
        #expect(
            try EndpointHeaders(sealed: sealed, openedBy: sealer, appID: AppID("APP"), endpointID: EndpointID("whk_1"))
                == headers
        )
        #expect(throws: SecretSealingError.self) {
            _ = try EndpointHeaders(
                sealed: sealed,
                openedBy: sealer,
                appID: AppID("APP"),
                endpointID: EndpointID("whk_2")
            )
        }
        #expect(
            try EndpointHeaders.none.sealed(by: sealer, appID: AppID("APP"), endpointID: EndpointID("whk_1")) == nil
        )
        #expect(
            try EndpointHeaders(sealed: nil, openedBy: sealer, appID: AppID("APP"), endpointID: EndpointID("whk_1"))
                == .none
        )
        #expect(
            headers.redactedFields.map { [$0.name, $0.value] } == [
                ["Authorization", "[redacted]"], ["X-Team", "payments"],
            ]
        )
    }

    @Test func theMarkerKeepsTheStoredValueAndIsNeverStoredItself() throws {
        let stored = try EndpointHeaders(validating: ["Authorization": "Bearer abc", "X-Team": "payments"])
        let changed = try EndpointHeaders(
            validating: ["authorization": "[redacted]", "X-Team": "ledger"],
            keeping: stored
        )
        #expect(
            changed.fields.map { [$0.name, $0.value] } == [["authorization", "Bearer abc"], ["X-Team", "ledger"]]
        )
        #expect(throws: EndpointFieldError.self) {
            _ = try EndpointHeaders(validating: ["X-Api-Key": "[redacted]"], keeping: stored)
        }
        #expect(throws: EndpointFieldError.self) {
            _ = try EndpointHeaders(validating: ["Authorization": "[redacted]"], keeping: .none)
        }
        #expect(
            try EndpointHeaders(validating: ["Authorization": "Bearer [redacted]"], keeping: .none).fields.first?.value
                == "Bearer [redacted]",
            "only a value that is the marker stands for one"
        )
    }
}
