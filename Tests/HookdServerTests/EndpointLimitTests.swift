import Foundation
import HookdCore
import HookdDelivery
import HookdServerTestSupport
import HookdStore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// What one app may hold (SPEC §13): endpoints up to `--max-endpoints-per-app`, and configuration calls that resolve a
/// name bounded by `--dns-timeout`.
@Suite struct EndpointLimitTests {
    @Test func oneEndpointPastTheLimitIsRefusedAndChangesNothing() async throws {
        let configure: (inout HookdServerConfiguration) -> Void = { $0.limits.endpointsPerApp = 3 }
        try await TestHarness.withClient(configure: configure) { harness, client in
            let tenant = try await V3_20Endpoints.tenant(harness, client: client)
            var created: [V3_20Endpoints.Created] = []
            for _ in 0..<3 {
                created.append(
                    try await tenant.createEndpoint(
                        client,
                        url: "https://hooks.example.com/in",
                        events: ["CARD_FUNDED"]
                    )
                )
            }
            let refused = try await client.json(
                "/api/v3.20/webhooks",
                method: .post,
                token: tenant.token,
                body: #"{"url":"https://hooks.example.com/in","events":["CARD_FUNDED"]}"#
            )
            #expect(refused.status == .conflict, "\(refused.raw)")
            #expect(refused.errorCode == "ENDPOINT_LIMIT_REACHED")
            #expect(
                refused.error["detail"] as? String
                    == "An app may have 3 webhook endpoints; delete one before creating another"
            )
            #expect(refused.object["secret"] == nil, "no secret handed out for an endpoint that was not made")
            #expect(try await harness.store.endpoints(appID: tenant.app.id, limit: 100, offset: 0).total == 3)

            // The v3 URL is the app's own, apart from the limit.
            #expect(try await client.configure("https://hooks.example.com/v3", token: tenant.token).status == .ok)
            let deleted = try await client.json(
                "/api/v3.20/webhooks/\(created[0].id)",
                method: .delete,
                token: tenant.token
            )
            #expect(deleted.status == .ok)
            _ = try await tenant.createEndpoint(client, url: "https://hooks.example.com/in", events: ["CARD_FUNDED"])
        }
    }

    /// A name server that never answers costs a configuration call `--dns-timeout`, not the system resolver's
    /// retries: each route that checks a URL answers 400 saying so, and changes nothing.
    @Test func aNameThatNeverResolvesIsRefusedAtTheDNSTimeout() async throws {
        var configured = try TestHarness { $0.delivery.resolutionTimeout = .milliseconds(300) }
        let resolver = MutableHostResolver(["hooks.example.com": ["93.184.215.14"]])
        resolver.silence("silent.example.com")
        configured.resolver = resolver
        try await configured.use { harness in
            try await harness.withClient { client in
                let tenant = try await V3_20Endpoints.tenant(harness, client: client)
                let endpoint = try await tenant.createEndpoint(
                    client,
                    url: "https://hooks.example.com/in",
                    events: ["CARD_FUNDED"]
                )
                let silent = "https://silent.example.com/in"
                let answers = [
                    try await client.configure(silent, token: tenant.token),
                    try await client.json(
                        "/api/v3.20/webhooks",
                        method: .post,
                        token: tenant.token,
                        body: #"{"url":"\#(silent)","events":["CARD_FUNDED"]}"#
                    ),
                    try await client.json(
                        "/api/v3.20/webhooks/\(endpoint.id)",
                        method: .patch,
                        token: tenant.token,
                        body: #"{"url":"\#(silent)"}"#
                    ),
                ]
                for (index, answer) in answers.enumerated() {
                    // The v3 route answers 400; the v3.20 multi-endpoint routes 422, as Fyatu's pages do (SPEC §11.1).
                    #expect(answer.status == (index == 0 ? .badRequest : .unprocessableContent), "\(answer.raw)")
                    #expect(answer.errorCode == "WEBHOOK_URL_FORBIDDEN")
                    #expect(answer.raw.contains("host could not be resolved within 0.3 s"), "\(answer.raw)")
                }
                #expect(resolver.counts.unanswered == 3, "three lookups never answered, each cancelled at the timeout")
                #expect(try await harness.store.endpoints(appID: tenant.app.id, limit: 100, offset: 0).total == 1)
                #expect(
                    try await harness.store.endpoint(appID: tenant.app.id, id: EndpointID(endpoint.id))?.url
                        == "https://hooks.example.com/in"
                )
            }
        }
    }
}
