import HTTPTypes
package import HookdCore
package import HummingbirdTesting
import Testing

/// Requests that several suites make through a test client, each written once.
extension TestClientProtocol {
    /// Asks `POST /api/v3/auth/token` for a token with an app's credentials and returns the answer as it is.
    package func requestToken(for app: App, key: AppSecretKey) async throws -> JSONResponse {
        try await json(
            "/api/v3/auth/token",
            method: .post,
            body: #"{"appId":"\#(app.id)","secretKey":"\#(key.value)","grantType":"client_credentials"}"#
        )
    }

    /// Regenerates the app's webhook secret and returns the new one.
    package func regeneratedSecret(token: String) async throws -> String {
        let regenerated = try await json("/api/v3/webhooks/secret/regenerate", method: .post, token: token)
        return try #require(regenerated.data["webhookSecret"] as? String, "\(regenerated.raw)")
    }

    /// Sends a `card.transaction.approved` test delivery through `POST /api/v3/webhooks/test`.
    package func sendTestDelivery(token: String) async throws -> JSONResponse {
        try await json(
            "/api/v3/webhooks/test",
            method: .post,
            token: token,
            body: #"{"event":"card.transaction.approved"}"#
        )
    }

    /// Sets the app's single v3.20 webhook URL through `PUT /api/v3.20/webhooks`.
    package func setV3_20WebhookURL(_ url: String, token: String) async throws -> JSONResponse {
        try await json("/api/v3.20/webhooks", method: .put, token: token, body: #"{"webhookUrl":"\#(url)"}"#)
    }
}

extension TestClientProtocol {
    /// Posts `body` to `path`, expects a 400 `VALIDATION_ERROR`, and returns the answer with the fields it names.
    package func validationError(_ path: String, body: String) async throws -> (JSONResponse, [String]) {
        let response = try await json(path, method: .post, body: body)
        #expect(response.status == .badRequest)
        #expect(response.errorCode == "VALIDATION_ERROR")
        let named = (response.error["fields"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
        return (response, named)
    }
}

extension TestClientProtocol {
    /// Waits until `condition` holds for what `GET path` answers with `token`, or `seconds` pass; returns whether it
    /// held.
    package func eventually(
        get path: String,
        token: String,
        seconds: Double = 20,
        _ condition: @Sendable (JSONResponse) throws -> Bool
    ) async throws -> Bool {
        try await pollUntil(seconds: seconds) { try condition(try await json(path, method: .get, token: token)) }
    }
}
