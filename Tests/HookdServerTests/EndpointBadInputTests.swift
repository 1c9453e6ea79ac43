import Foundation
import HookdCore
import HookdServerTestSupport
import HookdStore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// Every bad input to the v3.20 routes gets a clear error in the envelope and changes nothing (SPEC §1, §11), in the
/// CaaS dialect of §11.1: `422` for what is invalid, `404 WEBHOOK_NOT_FOUND` for another app's endpoint.
@Suite struct EndpointBadInputTests {
    /// A request that must be refused, and what it must be refused with.
    struct Refusal: Sendable, CustomTestStringConvertible {
        let label: String
        let method: HTTPRequest.Method
        /// `{id}` stands for an existing endpoint of the app, `{other}` for another app's.
        let path: String
        let body: String?
        let status: HTTPResponse.Status
        let code: String

        var testDescription: String { label }
    }

    static let url = "https://hooks.example.com/in"

    static let refusals: [Refusal] = [
        Refusal(
            label: "an unknown event",
            method: .post,
            path: "/api/v3.20/webhooks",
            body: #"{"url":"\#(url)","events":["CARD_EXPLODED"]}"#,
            status: .unprocessableContent,
            code: "INVALID_EVENT_TYPE"
        ),
        Refusal(
            label: "21 events",
            method: .post,
            path: "/api/v3.20/webhooks",
            body:
                #"{"url":"\#(url)","events":[\#(Array(repeating: #""CARD_FUNDED""#, count: 21).joined(separator: ","))]}"#,
            status: .unprocessableContent,
            code: "VALIDATION_ERROR"
        ),
        Refusal(
            label: "no events",
            method: .post,
            path: "/api/v3.20/webhooks",
            body: #"{"url":"\#(url)"}"#,
            status: .unprocessableContent,
            code: "VALIDATION_ERROR"
        ),
        Refusal(
            label: "a private target",
            method: .post,
            path: "/api/v3.20/webhooks",
            body: #"{"url":"https://private.example.com/","events":["CARD_FUNDED"]}"#,
            status: .unprocessableContent,
            code: "WEBHOOK_URL_FORBIDDEN"
        ),
        Refusal(
            label: "http:// for a LIVE app",
            method: .post,
            path: "/api/v3.20/webhooks",
            body: #"{"url":"http://hooks.example.com/","events":["CARD_FUNDED"]}"#,
            status: .unprocessableContent,
            code: "WEBHOOK_HTTPS_REQUIRED"
        ),
        Refusal(
            label: "a reserved header",
            method: .post,
            path: "/api/v3.20/webhooks",
            body: #"{"url":"\#(url)","events":["CARD_FUNDED"],"headers":{"X-Fyatu-Signature":"t=1,v1=00"}}"#,
            status: .unprocessableContent,
            code: "VALIDATION_ERROR"
        ),
        Refusal(
            label: "a malformed secret",
            method: .post,
            path: "/api/v3.20/webhooks",
            body: #"{"url":"\#(url)","events":["CARD_FUNDED"],"secret":"whsec_short"}"#,
            status: .unprocessableContent,
            code: "VALIDATION_ERROR"
        ),
        Refusal(
            label: "an unknown field",
            method: .post,
            path: "/api/v3.20/webhooks",
            body: #"{"url":"\#(url)","events":["CARD_FUNDED"],"enabled":false}"#,
            status: .unprocessableContent,
            code: "VALIDATION_ERROR"
        ),
        Refusal(
            label: "events of the wrong type",
            method: .post,
            path: "/api/v3.20/webhooks",
            body: #"{"url":"\#(url)","events":"CARD_FUNDED"}"#,
            status: .unprocessableContent,
            code: "VALIDATION_ERROR"
        ),
        Refusal(
            label: "another app's webhookId",
            method: .get,
            path: "/api/v3.20/webhooks/{other}",
            body: nil,
            status: .notFound,
            code: "WEBHOOK_NOT_FOUND"
        ),
        Refusal(
            label: "changing another app's endpoint",
            method: .patch,
            path: "/api/v3.20/webhooks/{other}",
            body: #"{"enabled":false}"#,
            status: .notFound,
            code: "WEBHOOK_NOT_FOUND"
        ),
        Refusal(
            label: "deleting another app's endpoint",
            method: .delete,
            path: "/api/v3.20/webhooks/{other}",
            body: nil,
            status: .notFound,
            code: "WEBHOOK_NOT_FOUND"
        ),
        Refusal(
            label: "a PATCH with 21 events",
            method: .patch,
            path: "/api/v3.20/webhooks/{id}",
            body: #"{"events":[\#(Array(repeating: #""CARD_FUNDED""#, count: 21).joined(separator: ","))]}"#,
            status: .unprocessableContent,
            code: "VALIDATION_ERROR"
        ),
        Refusal(
            label: "a PATCH with an unknown event",
            method: .patch,
            path: "/api/v3.20/webhooks/{id}",
            body: #"{"events":["CARD_FUNDED","card.exploded"]}"#,
            status: .unprocessableContent,
            code: "INVALID_EVENT_TYPE"
        ),
        Refusal(
            label: "a test of an unknown event",
            method: .post,
            path: "/api/v3.20/webhooks/{id}/test",
            body: #"{"eventType":"CARD_EXPLODED"}"#,
            status: .unprocessableContent,
            code: "INVALID_EVENT_TYPE"
        ),
        Refusal(
            label: "an ordering that is neither NONE nor KEYED",
            method: .post,
            path: "/api/v3.20/webhooks",
            body: #"{"url":"\#(url)","events":["CARD_FUNDED"],"ordering":"SOMETIMES"}"#,
            status: .unprocessableContent,
            code: "VALIDATION_ERROR"
        ),
        Refusal(
            label: "a PATCH with an ordering that is neither NONE nor KEYED",
            method: .patch,
            path: "/api/v3.20/webhooks/{id}",
            body: #"{"ordering":"SOMETIMES"}"#,
            status: .unprocessableContent,
            code: "VALIDATION_ERROR"
        ),
        Refusal(
            label: "a PATCH with an ordering that is not text",
            method: .patch,
            path: "/api/v3.20/webhooks/{id}",
            body: #"{"ordering":1}"#,
            status: .unprocessableContent,
            code: "VALIDATION_ERROR"
        ),
        Refusal(
            label: "a PATCH with a hop-by-hop header",
            method: .patch,
            path: "/api/v3.20/webhooks/{id}",
            body: #"{"headers":{"Transfer-Encoding":"chunked"}}"#,
            status: .unprocessableContent,
            code: "VALIDATION_ERROR"
        ),
        Refusal(
            label: "an overlap longer than seven days",
            method: .post,
            path: "/api/v3.20/webhooks/{id}/secret/rotate",
            body: #"{"overlapSeconds":604801}"#,
            status: .unprocessableContent,
            code: "VALIDATION_ERROR"
        ),
        Refusal(
            label: "a recovery window with an impossible date",
            method: .post,
            path: "/api/v3.20/webhooks/{id}/recover",
            body: #"{"since":"2026-02-30T00:00:00Z"}"#,
            status: .unprocessableContent,
            code: "VALIDATION_ERROR"
        ),
        Refusal(
            label: "stats over more than a week",
            method: .get,
            path: "/api/v3.20/webhooks/{id}/stats?hours=169",
            body: nil,
            status: .unprocessableContent,
            code: "VALIDATION_ERROR"
        ),
    ]

    @Test(arguments: refusals) func isRefusedAndChangesNothing(refusal: Refusal) async throws {
        try await TestHarness.withClient { harness, client in
            let (mine, key) = try await harness.createApp()
            let (theirs, theirKey) = try await harness.createApp()
            let token = try await client.token(for: mine, key: key)
            let ours = try await V3_20Endpoints.create(
                client,
                token: token,
                url: Self.url,
                events: ["CARD_FUNDED"]
            )
            let other = try await V3_20Endpoints.create(
                client,
                token: try await client.token(for: theirs, key: theirKey),
                url: Self.url,
                events: ["CARD_FUNDED"]
            )
            let before = try await harness.store.endpoints(appID: mine.id, limit: 100, offset: 0)
            let theirsBefore = try await harness.store.endpoint(appID: theirs.id, id: EndpointID(other.id))

            let path = refusal.path.replacingOccurrences(of: "{id}", with: ours.id)
                .replacingOccurrences(of: "{other}", with: other.id)
            let response = try await client.json(path, method: refusal.method, token: token, body: refusal.body)
            #expect(response.status == refusal.status, "\(response.raw)")
            #expect(response.errorCode == refusal.code, "\(response.raw)")
            #expect(response.object["success"] as? Bool == false)

            let after = try await harness.store.endpoints(appID: mine.id, limit: 100, offset: 0)
            #expect(after.total == before.total)
            #expect(after.items == before.items, "the app's endpoints are as they were")
            #expect(try await harness.store.endpoint(appID: theirs.id, id: EndpointID(other.id)) == theirsBefore)
        }
    }

    @Test func aSandboxAppMayUseHTTPButStillNoPrivateTarget() async throws {
        try await TestHarness.withClient { harness, client in
            let (created, key) = try await harness.administration
                .create(name: "sandbox", type: .issuing, scopes: Scope.allCases, environment: .sandbox)
            let token = try await client.token(for: created, key: key)
            let plain = try await client.json(
                "/api/v3.20/webhooks",
                method: .post,
                token: token,
                body: #"{"url":"http://hooks.example.com/in","events":["CARD_FUNDED"]}"#
            )
            #expect(plain.status == .created, "\(plain.raw)")
            #expect(plain.data["environment"] as? String == "SANDBOX")
            let v3 = try await client.configure("http://hooks.example.com/v3", token: token)
            #expect(v3.status == .ok, "the v3 URL of a SANDBOX app may be http:// too: \(v3.raw)")
            let forbidden = try await client.json(
                "/api/v3.20/webhooks",
                method: .post,
                token: token,
                body: #"{"url":"http://private.example.com/","events":["CARD_FUNDED"]}"#
            )
            #expect(forbidden.errorCode == "WEBHOOK_URL_FORBIDDEN", "\(forbidden.raw)")
        }
    }

    @Test func aWrongSecretKeyIsNotABearer() async throws {
        try await TestHarness.withClient { harness, client in
            _ = try await harness.createApp()
            let response = try await client.json(
                "/api/v3.20/webhooks",
                method: .get,
                token: AppSecretKey.generate().value
            )
            #expect(response.status == .unauthorized, "\(response.raw)")
            #expect(response.errorCode == "AUTH_TOKEN_INVALID")
            let v3 = try await client.json("/api/v3/webhooks", method: .get, token: AppSecretKey.generate().value)
            #expect(v3.status == .unauthorized, "the v3 routes take tokens only: \(v3.raw)")
        }
    }
}
