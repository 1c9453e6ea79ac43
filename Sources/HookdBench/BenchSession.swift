public import AsyncHTTPClient
import Foundation
public import HookdCore
import NIOHTTP1

/// One app on the benchmarked hookd, and the requests a benchmark sends for it.
public struct BenchSession: Sendable {
    public let hookd: HookdUnderTest
    public let appID: AppID
    public let operatorKey: String
    /// A bearer token for the app (all scopes).
    public let token: String

    /// Takes a token for the app with its secret key.
    static func open(
        _ hookd: HookdUnderTest,
        app: BenchApp,
        client: LoadGenerator
    ) async throws -> BenchSession {
        let body = try JSONSerialization.data(withJSONObject: [
            "appId": app.appID.rawValue, "secretKey": app.secretKey, "grantType": "client_credentials",
        ])
        let answer = try await client.exchange(
            .json(.POST, hookd.base + "/api/v3/auth/token", body: Array(body))
        )
        guard answer.status == 200,
            let object = try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any],
            let data = object["data"] as? [String: Any], let token = data["accessToken"] as? String
        else {
            throw BenchError("no token: HTTP \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
        }
        return BenchSession(hookd: hookd, appID: app.appID, operatorKey: app.operatorKey, token: token)
    }

    /// Sets the app's webhook URL, which gives the app its secret, and unsets it again: its deliveries are then held
    /// until a URL is set anew. Returns the secret when this call created it.
    @discardableResult
    public func holdDeliveries(afterSetting url: String, client: LoadGenerator) async throws -> String? {
        let secret = try await setWebhookURL(url, client: client)
        try await setWebhookURL(nil, client: client)
        return secret
    }

    /// Sets the app's webhook URL (`nil` holds deliveries); returns the secret when this call created it.
    @discardableResult
    public func setWebhookURL(_ url: String?, client: LoadGenerator) async throws -> String? {
        let value: Any = url ?? NSNull()
        let body = try JSONSerialization.data(withJSONObject: ["webhookUrl": value])
        let answer = try await client.exchange(
            .json(.PUT, hookd.base + "/api/v3/webhooks", body: Array(body), bearer: token)
        )
        guard answer.status == 200 else {
            throw BenchError("PUT /webhooks: HTTP \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
        }
        let object = try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any]
        return (object?["data"] as? [String: Any])?["webhookSecret"] as? String
    }

    /// Creates a v3.20 endpoint for `event` at `url` with the secret given and `ordering` (`NONE` or `KEYED`, SPEC
    /// §15) (`POST /api/v3.20/webhooks`); returns its id.
    @discardableResult
    public func createEndpoint(
        url: String,
        event: String,
        secret: String,
        ordering: String = "NONE",
        client: LoadGenerator
    ) async throws -> String {
        let body = try JSONSerialization.data(
            withJSONObject: ["url": url, "events": [event], "secret": secret, "ordering": ordering]
        )
        let answer = try await client.exchange(
            .json(.POST, hookd.base + "/api/v3.20/webhooks", body: Array(body), bearer: token)
        )
        guard answer.status == 201,
            let object = try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any],
            let id = (object["data"] as? [String: Any])?["webhookId"] as? String
        else {
            throw BenchError(
                "POST /api/v3.20/webhooks: HTTP \(answer.status) \(String(decoding: answer.body, as: UTF8.self))"
            )
        }
        return id
    }

    /// Suspends or activates the app with the operator key (`POST /api/v3/internal/apps/{id}/suspend|activate`): a
    /// suspended app's deliveries are held until it is active again.
    public func setApp(suspended: Bool, client: LoadGenerator) async throws {
        let action = suspended ? "suspend" : "activate"
        let answer = try await client.exchange(
            .json(.POST, hookd.base + "/api/v3/internal/apps/\(appID)/\(action)", body: [], bearer: operatorKey)
        )
        guard answer.status == 200 else {
            throw BenchError("\(action): HTTP \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
        }
    }

    /// Enables or disables one of the app's v3.20 endpoints (`PATCH /api/v3.20/webhooks/{id}`).
    public func setEndpoint(_ id: String, enabled: Bool, client: LoadGenerator) async throws {
        let body = try JSONSerialization.data(withJSONObject: ["enabled": enabled])
        let answer = try await client.exchange(
            .json(.PATCH, hookd.base + "/api/v3.20/webhooks/\(id)", body: Array(body), bearer: token)
        )
        guard answer.status == 200 else {
            throw BenchError(
                "PATCH /api/v3.20/webhooks/\(id): HTTP \(answer.status) \(String(decoding: answer.body, as: UTF8.self))"
            )
        }
    }

    /// `POST /api/v3/internal/events` publishing event `eventID` with ``EventData/card(index:)`` as its data, and
    /// `orderingKey` if given.
    public func publishRequest(eventID: String, index: Int, orderingKey: String? = nil) -> HTTPClientRequest {
        let key = orderingKey.map { #","orderingKey":"\#($0)""# } ?? ""
        let body =
            #"{"appId":"\#(appID)","event":"card.created","eventId":"\#(eventID)"\#(key),"data":"#
            + EventData.card(index: index) + "}"
        return .json(.POST, hookd.base + "/api/v3/internal/events", body: Array(body.utf8), bearer: operatorKey)
    }
}

/// The `data` a benchmark publishes: a card as a card issuer would describe it, about 300 bytes of JSON.
public enum EventData {
    /// The data of event `index`; every event's is different, and all are the same size give or take a digit.
    public static func card(index: Int) -> String {
        let serial = String(index + 10_000_000)
        return #"{"cardId":"crd_\#(serial)a1b2c3d4","customerId":"cus_\#(serial)e5f6","#
            + #""brand":"VISA","type":"virtual","last4":"\#(serial.suffix(4))","currency":"USD","#
            + #""balance":"1250.00","spendingLimit":{"amount":"5000.00","interval":"monthly"},"#
            + #""holder":{"name":"Amina Diallo","email":"amina@example.com"},"#
            + #""status":"ACTIVE","createdAt":"2026-11-29T10:30:00+00:00"}"#
    }

    /// A fresh lowercase UUID, as an event id.
    public static func eventID() -> String {
        UUID().uuidString.lowercased()
    }
}
