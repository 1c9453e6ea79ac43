import Foundation
import HookdCore
import HookdServerTestSupport
import HookdStore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HookdServer

/// `POST /internal/events`: the operator key, the catalogue, the data rules, and that a refusal stores nothing.
@Suite struct PublishRouteTests {
    static func deliveryCount(_ harness: TestHarness, _ appID: AppID) async throws -> Int {
        try await harness.store.deliveries(appID: appID, status: nil, event: nil, limit: 100, offset: 0).total
    }

    @Test func theOperatorKeyIsRequiredAndAnAppTokenIsNotEnough() async throws {
        try await TestHarness.with { harness in
            let (app, key) = try await harness.createApp()
            try await harness.withClient { client in
                let body = #"{"appId":"\#(app.id)","event":"card.created","data":{}}"#
                let missing = try await client.json("/api/v3/internal/events", method: .post, body: body)
                #expect(missing.errorCode == "AUTH_TOKEN_MISSING")
                let wrong = try await client.json(
                    "/api/v3/internal/events",
                    method: .post,
                    token: "hok_wrong",
                    body: body
                )
                #expect(wrong.errorCode == "AUTH_TOKEN_INVALID")
                let appToken = try await client.token(for: app, key: key)
                let asApp = try await client.json("/api/v3/internal/events", method: .post, token: appToken, body: body)
                #expect(asApp.errorCode == "AUTH_TOKEN_INVALID")
                #expect(try await Self.deliveryCount(harness, app.id) == 0)
                let accepted = try await client.json(
                    "/api/v3/internal/events",
                    method: .post,
                    token: harness.operatorKey,
                    body: body
                )
                #expect(accepted.status == .accepted)
                #expect(try await Self.deliveryCount(harness, app.id) == 1)
            }
        }
    }

    @Test(arguments: [
        (#"{"event":"card.created","data":{}}"#, "VALIDATION_ERROR", 400),
        (#"{"appId":"APP","event":"card.created","data":[1]}"#, "VALIDATION_ERROR", 400),
        (#"{"appId":"APP","event":"card.created","data":"x"}"#, "VALIDATION_ERROR", 400),
        (#"{"appId":"APP","event":"card.created"}"#, "VALIDATION_ERROR", 400),
        (#"{"appId":"APP","event":"card.created","data":{},"extra":1}"#, "VALIDATION_ERROR", 400),
        (#"{"appId":"APP","event":"card.created","data":{},"eventId":"not-a-uuid"}"#, "VALIDATION_ERROR", 400),
        (#"{"appId":"APP","event":"card.created","data":{},"eventId":7}"#, "VALIDATION_ERROR", 400),
        (#"{"appId":"APP","event":"card.exploded","data":{}}"#, "INVALID_EVENT_TYPE", 400),
        (#"{"appId":"APP","event":"payout.completed","data":{}}"#, "INVALID_EVENT_TYPE", 400),
        (#"{"appId":"NOSUCHAPP0000000","event":"card.created","data":{}}"#, "RESOURCE_NOT_FOUND", 404),
        (#"{"appId":"APP","event":"card.created","data":{"a":1,"a":2}}"#, "VALIDATION_ERROR", 400),
        (#"{"appId":"APP","event":"card.created","data":{},"appId":"APP"}"#, "VALIDATION_ERROR", 400),
        (#"{"appId":"APP","event":"card.created","data":{}"#, "VALIDATION_ERROR", 400),
        // An ordering key (SPEC §15): 1 to 128 printable ASCII characters.
        (#"{"appId":"APP","event":"card.created","data":{},"orderingKey":""}"#, "VALIDATION_ERROR", 400),
        (
            #"{"appId":"APP","event":"card.created","data":{},"orderingKey":"\#(String(repeating: "k", count: 129))"}"#,
            "VALIDATION_ERROR", 400
        ),
        (#"{"appId":"APP","event":"card.created","data":{},"orderingKey":"carteé"}"#, "VALIDATION_ERROR", 400),
        (#"{"appId":"APP","event":"card.created","data":{},"orderingKey":"a\nb"}"#, "VALIDATION_ERROR", 400),
        (#"{"appId":"APP","event":"card.created","data":{},"orderingKey":7}"#, "VALIDATION_ERROR", 400),
    ])
    func refusedPublishesStoreNothing(body: String, code: String, status: Int) async throws {
        let (response, deliveries) = try await Self.publishToNewApp(body)
        #expect(response.errorCode == code, "\(response.raw)")
        #expect(response.status.code == status)
        #expect(deliveries == 0)
    }

    /// Publishes `body`, its `"APP"` replaced by the id of a new issuing app, and returns the answer and how many
    /// deliveries the app has after it.
    static func publishToNewApp(_ body: String) async throws -> (response: JSONResponse, deliveries: Int) {
        try await TestHarness.with { harness in
            let (app, _) = try await harness.createApp(type: .issuing)
            return try await harness.withClient { client in
                let response = try await client.json(
                    "/api/v3/internal/events",
                    method: .post,
                    token: harness.operatorKey,
                    body: body.replacingOccurrences(of: "\"APP\"", with: "\"\(app.id)\"")
                )
                return (response, try await Self.deliveryCount(harness, app.id))
            }
        }
    }

    /// What the compact rewriting refuses in `data` is reported with offsets from `data`'s `{`, though `data` is
    /// rewritten while the whole body is read.
    @Test(arguments: [
        (
            #"{"appId":"APP","event":"card.created","data":{"a":"\ud800"}}"#,
            #"must be a JSON object (invalid JSON at byte offset 6: a \u escape is an unpaired UTF-16 surrogate)"#
        ),
        (
            #"{"appId":"APP","event":"card.created","data":{"a":{"k":1,"k":2}}}"#,
            "must be a JSON object (duplicate object key at byte offset 12)"
        ),
    ])
    func dataTheRewritingRefusesIsNamedWhereItIsWrong(body: String, message: String) async throws {
        let (response, deliveries) = try await Self.publishToNewApp(body)
        let fields = response.error["fields"] as? [[String: Any]]
        #expect(fields?.first?["field"] as? String == "data", "\(response.raw)")
        #expect(fields?.first?["message"] as? String == message, "\(response.raw)")
        #expect(deliveries == 0)
    }

    /// 100,000 levels of arrays (200 kB, under the body limit): refused as a wrong type or too deep, with no value
    /// built for them and no recursion, and nothing stored.
    @Test(arguments: ["eventId", "data"])
    func aDeeplyNestedMemberIsRefusedPromptly(member: String) async throws {
        try await TestHarness.with { harness in
            let (app, _) = try await harness.createApp()
            let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
            var members = ["appId": #""\#(app.id)""#, "event": #""card.created""#, "data": "{}"]
            members[member] = deep
            let body = "{" + members.map { #""\#($0.key)":\#($0.value)"# }.joined(separator: ",") + "}"
            try await harness.withClient { client in
                let response = try await client.json(
                    "/api/v3/internal/events",
                    method: .post,
                    token: harness.operatorKey,
                    body: body
                )
                #expect(response.errorCode == "VALIDATION_ERROR", "\(response.raw.prefix(300))")
                #expect(try await Self.deliveryCount(harness, app.id) == 0)
            }
        }
    }

    @Test func dataOverSixtyFourKibibytesIsRefused() async throws {
        try await TestHarness.with { harness in
            let (app, _) = try await harness.createApp()
            try await harness.withClient { client in
                let fits = String(repeating: "a", count: 64 * 1024 - 10)
                let accepted = try await harness.publish(
                    "card.created",
                    data: #"{"s":"\#(fits)"}"#,
                    appID: app.id,
                    client: client
                )
                #expect(accepted.status == .accepted, "\(accepted.raw.prefix(300))")
                let tooBig = String(repeating: "a", count: 64 * 1024)
                let refused = try await harness.publish(
                    "card.created",
                    data: #"{"s":"\#(tooBig)"}"#,
                    appID: app.id,
                    client: client
                )
                #expect(refused.errorCode == "PAYLOAD_TOO_LARGE")
                #expect(try await Self.deliveryCount(harness, app.id) == 1)
            }
        }
    }

    @Test func dataIsStoredCompactWithNumbersAsWritten() async throws {
        try await TestHarness.with { harness in
            let (app, _) = try await harness.createApp()
            try await harness.withClient { client in
                let response = try await client.publish(
                    appID: app.id,
                    event: "card.funded",
                    data: "{\n  \"amount\" : 1.50,\n  \"big\" : 12345678901234567890,\n  \"t\" : \"\\u00e9\\/\"\n}",
                    operatorKey: harness.operatorKey
                )
                #expect(response.status == .accepted)
                let summary = try #require(
                    try await harness.store.deliveries(appID: app.id, status: nil, event: nil, limit: 1, offset: 0)
                        .items
                        .first
                )
                let detail = try #require(try await harness.store.delivery(appID: app.id, id: summary.id))
                #expect(
                    String(decoding: detail.data, as: UTF8.self)
                        == #"{"amount":1.50,"big":12345678901234567890,"t":"é/"}"#
                )
            }
        }
    }
}
