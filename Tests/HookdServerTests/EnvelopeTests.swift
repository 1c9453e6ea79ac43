import Foundation
import HookdCore
import HookdServerTestSupport
import HookdStore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

@Suite struct EnvelopeTests {
    @Test func unknownRouteAnswersNotFoundInTheEnvelope() async throws {
        try await TestHarness.withClient { _, client in
            for (path, method) in [
                ("/api/v3/nothing", HTTPRequest.Method.get), ("/", .get), ("/api/v3/webhooks", .delete),
            ] {
                let response = try await client.json(path, method: method)
                #expect(response.status == .notFound)
                #expect(response.errorCode == "RESOURCE_NOT_FOUND")
                #expect(response.object["success"] as? Bool == false)
                #expect(response.object["status"] as? Int == 404)
            }
        }
    }

    @Test func everyResponseCarriesTheRequestIdInMetaAndHeader() async throws {
        try await TestHarness.withClient { _, client in
            var seen = Set<String>()
            for path in ["/health", "/api/v3/nothing", "/api/v3/webhooks"] {
                let response = try await client.json(path, method: .get)
                let meta = try #require(response.object["meta"] as? [String: Any])
                let requestID = try #require(meta["requestId"] as? String)
                #expect(requestID.wholeMatch(of: /req_[0-9a-f]{24}/) != nil)
                #expect(response.headers[.requestID] == requestID)
                let timestamp = try #require(meta["timestamp"] as? String)
                #expect(timestamp.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00/) != nil)
                seen.insert(requestID)
            }
            #expect(seen.count == 3)
        }
    }

    @Test func envelopeKeysComeInTheSpecifiedOrder() async throws {
        try await TestHarness.withClient { _, client in
            let success = try await client.json("/health", method: .get)
            #expect(success.raw.hasPrefix(#"{"success":true,"status":200,"message":"hookd is healthy","data":{"#))
            #expect(success.raw.contains(#"},"meta":{"requestId":"req_"#))
            let failure = try await client.json("/api/v3/webhooks", method: .get)
            #expect(
                failure.raw.hasPrefix(
                    #"{"success":false,"status":401,"message":"Authentication token is missing","error":{"code":"AUTH_TOKEN_MISSING""#
                )
            )
        }
    }

    @Test func timestampsFollowTheInjectedClock() async throws {
        try await TestHarness.withClient { harness, client in
            let response = try await client.json("/health", method: .get)
            let meta = try #require(response.object["meta"] as? [String: Any])
            #expect(meta["timestamp"] as? String == Timestamp.iso8601(harness.clock.unixSeconds))
        }
    }

    @Test func aDeclaredOversizedBodyIsRefusedBeforeAnyHandler() async throws {
        try await TestHarness.withClient { _, client in
            let body = String(repeating: "a", count: 300 * 1024)
            let response = try await client.json("/api/v3/auth/token", method: .post, body: body)
            #expect(response.status == .contentTooLarge)
            #expect(response.errorCode == "PAYLOAD_TOO_LARGE")
        }
    }

    @Test func healthReportsTheDatabase() async throws {
        try await TestHarness.withClient { _, client in
            let response = try await client.json("/health", method: .get)
            #expect(response.status == .ok)
            #expect(response.data["status"] as? String == "ok")
            #expect(response.data["database"] as? String == "ok")
            #expect(response.data["version"] as? String == HookdVersion.current)
        }
    }

    @Test func healthSaysServiceUnavailableWhenTheDatabaseDoesNotAnswer() async throws {
        try await TestHarness.with { harness in
            let app = try await buildApplication(
                configuration: harness.configuration,
                dependencies: harness.dependencies
            )
            try #require(harness.store as? SQLiteStore).close()
            try await app.test(.router) { client in
                let response = try await client.json("/health", method: .get)
                #expect(response.status == .serviceUnavailable)
                #expect(response.errorCode == "SERVICE_UNAVAILABLE")
                #expect(response.message == "The service is unavailable")
                let other = try await client.json(
                    "/api/v3/auth/token",
                    method: .post,
                    body: #"{"appId":"AAAAAAAAAAAAAAAA","secretKey":"k","grantType":"client_credentials"}"#
                )
                #expect(other.status == .internalServerError, "a failing database is an internal error, never a crash")
                #expect(other.error["detail"] == nil, "no internal detail in the body")
            }
            #expect(harness.logs.text.contains("request failed"))
        }
    }

    @Test func metricsCountRequestsByRoutePatternAndStatus() async throws {
        try await TestHarness.with { harness in
            try await harness.withLiveServer { client in
                _ = try await client.json("/health", method: .get)
                _ = try await client.json("/api/v3/webhooks", method: .get)
                _ = try await client.json("/api/v3/no/such/route", method: .get)
                let response = try await client.execute(uri: "/metrics", method: .get)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = String(buffer: response.body)
                #expect(text.contains(#"hookd_http_requests_total{route="/health",method="GET",status="200"} 1"#))
                #expect(
                    text.contains(#"hookd_http_requests_total{route="/api/v3/webhooks",method="GET",status="401"} 1"#)
                )
                #expect(text.contains("hookd_http_request_duration_seconds_bucket"))
                #expect(!text.contains("/api/v3/no/such/route"), "raw paths must not become labels")
            }
        }
    }
}
