package import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

/// JSON requests to a `hookd` process over real sockets, through AsyncHTTPClient's shared client.
package enum LiveHTTP {
    /// A path for a data directory under the temporary directory (not created).
    package static func temporaryDirectory(prefix: String = "hookd-crash") -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
    }

    /// A JSON `POST` to `url`, with `bearer` as the token if given.
    package static func request(_ url: String, json: String, bearer: String? = nil) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        request.body = .bytes(ByteBuffer(string: json))
        return request
    }

    /// Sends `request` and returns the status and the body as a JSON object (empty if it is not one).
    package static func send(
        _ request: HTTPClientRequest,
        timeout: Int64 = 20
    ) async throws -> (status: Int, body: [String: Any]) {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeout))
        let body = try await response.body.collect(upTo: 1 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
        return (Int(response.status.code), object)
    }

    /// A JSON `POST` to `url`: its status and its body.
    package static func post(_ url: String, json: String) async throws -> (status: Int, body: [String: Any]) {
        try await send(request(url, json: json), timeout: 10)
    }

    /// A v3 access token for an app, from `/api/v3/auth/token`.
    package static func token(base: String, appID: String, secretKey: String) async throws -> String {
        let response = try await send(
            request(
                base + "/api/v3/auth/token",
                json: #"{"appId":"\#(appID)","secretKey":"\#(secretKey)","grantType":"client_credentials"}"#
            )
        )
        #expect(response.status == 200, "\(response.body)")
        return try #require((response.body["data"] as? [String: Any])?["accessToken"] as? String, "\(response.body)")
    }

    /// Sets the app's webhook URL (`nil` switches delivery off) and returns the response body.
    package static func setWebhookURL(_ url: String?, base: String, token: String) async throws -> [String: Any] {
        let value = url.map { "\"\($0)\"" } ?? "null"
        var request = request(base + "/api/v3/webhooks", json: #"{"webhookUrl":\#(value)}"#, bearer: token)
        request.method = .PUT
        let response = try await send(request)
        #expect(response.status == 200, "\(response.body)")
        return response.body
    }

    /// How many deliveries the log holds with `status` (all of them for an empty status).
    package static func deliveries(_ status: String, base: String, token: String) async throws -> Int? {
        let filter = status.isEmpty ? "" : "status=\(status)&"
        var request = HTTPClientRequest(url: base + "/api/v3/webhooks/deliveries?\(filter)limit=1")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await send(request)
        return (response.body["pagination"] as? [String: Any])?["total"] as? Int
    }
}
