import Foundation
import HookdCore
import HookdServerTestSupport
import HookdStore
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import HookdServer

/// Every bad input gets a clear error in the envelope and changes nothing.
@Suite struct BadInputTests {
    /// Everything a bad `PUT /webhooks` could change, as one comparable string.
    static func snapshot(_ harness: TestHarness, _ appID: AppID) async throws -> String {
        let endpoint = try await harness.store.webhookConfiguration(appID: appID)
        let audit = try await harness.store.secretAuditRecords(appID: appID)
        return "\(String(describing: endpoint))|\(audit.count)"
    }

    static let longURL = "https://hooks.example.com/" + String(repeating: "a", count: 3000)

    @Test(arguments: [
        (#"{"webhookUrl":"https://hooks.example.com/new""#, "VALIDATION_ERROR"),
        (#"{"webhookUrl":42}"#, "VALIDATION_ERROR"),
        (#"{"webhookUrl":["https://hooks.example.com/x"]}"#, "VALIDATION_ERROR"),
        (#"{"webhookUrl":true}"#, "VALIDATION_ERROR"),
        (#"{}"#, "VALIDATION_ERROR"),
        (#"[]"#, "VALIDATION_ERROR"),
        (#"{"webhookUrl":"https://hooks.example.com/new","secret":"mine"}"#, "VALIDATION_ERROR"),
        (#"{"webhookURL":"https://hooks.example.com/new"}"#, "VALIDATION_ERROR"),
        (#"{"webhookUrl":"http://hooks.example.com/new"}"#, "WEBHOOK_HTTPS_REQUIRED"),
        (#"{"webhookUrl":"ftp://hooks.example.com/new"}"#, "WEBHOOK_HTTPS_REQUIRED"),
        (#"{"webhookUrl":"hooks.example.com/new"}"#, "VALIDATION_ERROR"),
        (#"{"webhookUrl":"https://user:pass@hooks.example.com/new"}"#, "VALIDATION_ERROR"),
        (#"{"webhookUrl":"https://hooks.example.com/a b"}"#, "VALIDATION_ERROR"),
        (#"{"webhookUrl":"https://"}"#, "VALIDATION_ERROR"),
        (#"{"webhookUrl":"\#(longURL)"}"#, "VALIDATION_ERROR"),
        (#"{"webhookUrl":"https://127.0.0.1/new"}"#, "WEBHOOK_URL_FORBIDDEN"),
        (#"{"webhookUrl":"https://localhost/new"}"#, "WEBHOOK_URL_FORBIDDEN"),
        (#"{"webhookUrl":"https://10.0.0.1/new"}"#, "WEBHOOK_URL_FORBIDDEN"),
        (#"{"webhookUrl":"https://169.254.169.254/latest/meta-data"}"#, "WEBHOOK_URL_FORBIDDEN"),
        (#"{"webhookUrl":"https://[::1]/new"}"#, "WEBHOOK_URL_FORBIDDEN"),
        (#"{"webhookUrl":"https://2130706433/new"}"#, "WEBHOOK_URL_FORBIDDEN"),
        (#"{"webhookUrl":"https://172.16.0.1/new"}"#, "WEBHOOK_URL_FORBIDDEN"),
        (#"{"webhookUrl":"https://192.168.1.1/new"}"#, "WEBHOOK_URL_FORBIDDEN"),
        (#"{"webhookUrl":"https://100.64.0.1/new"}"#, "WEBHOOK_URL_FORBIDDEN"),
        (#"{"webhookUrl":"https://0.0.0.0/new"}"#, "WEBHOOK_URL_FORBIDDEN"),
        (#"{"webhookUrl":"https://[::ffff:127.0.0.1]/new"}"#, "WEBHOOK_URL_FORBIDDEN"),
        (#"{"webhookUrl":"https://[fe80::1]/new"}"#, "WEBHOOK_URL_FORBIDDEN"),
        (#"{"webhookUrl":"https://[fc00::1]/new"}"#, "WEBHOOK_URL_FORBIDDEN"),
        (#"{"webhookUrl":"https://loopback.example.com/new"}"#, "WEBHOOK_URL_FORBIDDEN"),
        (#"{"webhookUrl":"https://mapped.example.com/new"}"#, "WEBHOOK_URL_FORBIDDEN"),
        (#"{"webhookUrl":"https://0x7f.0.0.1/new"}"#, "WEBHOOK_URL_FORBIDDEN"),
        (#"{"webhookUrl":"https://private.example.com/new"}"#, "WEBHOOK_URL_FORBIDDEN"),
        (#"{"webhookUrl":"https://metadata.example.com/new"}"#, "WEBHOOK_URL_FORBIDDEN"),
        (#"{"webhookUrl":"https://mixed.example.com/new"}"#, "WEBHOOK_URL_FORBIDDEN"),
        (#"{"webhookUrl":"https://unresolvable.example.com/new"}"#, "WEBHOOK_URL_FORBIDDEN"),
    ])
    func aBadWebhookConfigurationChangesNothing(body: String, code: String) async throws {
        try await TestHarness.withSignedIn { harness, client, app, _, token in
            let secret =
                try await client.configure("https://hooks.example.com/original", token: token).data["webhookSecret"]
                as? String
            let before = try await Self.snapshot(harness, app.id)
            let response = try await client.json("/api/v3/webhooks", method: .put, token: token, body: body)
            #expect(response.status == .badRequest, "\(response.raw)")
            #expect(response.errorCode == code, "\(response.raw)")
            #expect(response.object["success"] as? Bool == false)
            #expect(try await Self.snapshot(harness, app.id) == before)
            #expect(try await harness.storedSecret(appID: app.id) == secret)
        }
    }

    @Test func aTenMegabyteBodyIsRefusedAndChangesNothing() async throws {
        try await TestHarness.withSignedIn { harness, client, app, _, token in
            try await client.configure("https://hooks.example.com/original", token: token)
            let before = try await Self.snapshot(harness, app.id)
            let huge =
                #"{"webhookUrl":"https://hooks.example.com/"# + String(repeating: "a", count: 10 * 1024 * 1024) + #""}"#
            for path in ["/api/v3/webhooks", "/api/v3/webhooks/secret/regenerate", "/api/v3/auth/token"] {
                let method: HTTPRequest.Method = path == "/api/v3/webhooks" ? .put : .post
                let response = try await client.json(path, method: method, token: token, body: huge)
                #expect(response.status == .contentTooLarge)
                #expect(response.errorCode == "PAYLOAD_TOO_LARGE")
            }
            #expect(try await Self.snapshot(harness, app.id) == before)
        }
    }
}
