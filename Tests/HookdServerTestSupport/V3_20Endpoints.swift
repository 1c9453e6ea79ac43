import HTTPTypes
package import HookdCore
package import HookdServer
package import HookdVerify
package import HummingbirdTesting
import Testing

/// The v3.20 endpoints (SPEC §11) as the tests drive them: an app with a token, a live session, and the
/// endpoint routes' requests.
package enum V3_20Endpoints {
    /// An endpoint as created: its id and the secret handed out once.
    package struct Created: Sendable {
        package let id: String
        package let secret: String
    }

    /// An app with a token, and its secret key (which the v3.20 routes also take as the bearer).
    package struct Tenant: Sendable {
        package let app: App
        package let token: String
        package let key: AppSecretKey
    }

    package static func tenant(_ harness: TestHarness, client: any TestClientProtocol) async throws -> Tenant {
        let (app, key) = try await harness.createApp()
        return Tenant(app: app, token: try await client.token(for: app, key: key), key: key)
    }

    /// One test's world: a live server, an app with its token, and receivers on 127.0.0.1.
    package struct Session: Sendable {
        package let harness: TestHarness
        package let client: any TestClientProtocol
        package let tenant: Tenant
        /// The receivers' URLs, in the order they were given.
        package let urls: [String]

        /// Publishes `event` for the app, expecting 202.
        package func publish(_ event: String, data: String = #"{"n":1}"#) async throws {
            let published = try await client.publish(
                appID: tenant.app.id,
                event: event,
                data: data,
                operatorKey: harness.operatorKey
            )
            #expect(published.status == .accepted, "\(published.raw)")
        }

        /// Creates an endpoint for the app (see ``V3_20Endpoints/create(_:token:url:events:extra:)``).
        package func create(url: String, events: [String], extra: String = "") async throws -> Created {
            try await tenant.createEndpoint(client, url: url, events: events, extra: extra)
        }
    }

    /// Runs `body` against a live server on `backend` with a new app and `receivers` started, then stops them.
    package static func withSession(
        on backend: Backend,
        receivers: [TestReceiver],
        configure: (inout HookdServerConfiguration) -> Void = { _ in },
        _ body: @Sendable (Session) async throws -> Void
    ) async throws {
        try await TestHarness.withDeliveries(on: backend, configure: configure) { harness in
            try await TestReceiver.withRunning(receivers) { started in
                try await harness.withLiveServer { client in
                    let tenant = try await Self.tenant(harness, client: client)
                    try await body(Session(harness: harness, client: client, tenant: tenant, urls: started.map(\.url)))
                }
            }
        }
    }

    /// `POST /api/v3.20/webhooks` with the fields given (raw JSON members), expecting 201.
    package static func create(
        _ client: any TestClientProtocol,
        token: String,
        url: String,
        events: [String],
        extra: String = ""
    ) async throws -> Created {
        let names = events.map { #""\#($0)""# }.joined(separator: ",")
        let response = try await client.json(
            "/api/v3.20/webhooks",
            method: .post,
            token: token,
            body: #"{"url":"\#(url)","events":[\#(names)]\#(extra)}"#
        )
        #expect(response.status == .created, "\(response.raw)")
        return Created(
            id: try #require(response.data["webhookId"] as? String, "\(response.raw)"),
            secret: try #require(response.object["secret"] as? String, "\(response.raw)")
        )
    }

    /// Verifies a received delivery with `secret` at the harness's clock, as a receiver would.
    package static func verify(
        _ request: TestReceiver.Received,
        secret: String,
        at clock: TestClock
    ) throws -> VerifiedDelivery {
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        return try WebhookVerifier(secret: secret, now: { clock.now }).verify(body: request.body, headers: headers)
    }

    /// The endpoint as `GET` shows it.
    package static func show(_ client: any TestClientProtocol, token: String, id: String) async throws -> JSONResponse {
        try await client.json("/api/v3.20/webhooks/\(id)", method: .get, token: token)
    }

    /// The body of a v3.20 token request: a business id, its secret key and, if given, the scopes (a JSON array).
    package static func tokenBody(_ businessID: String, _ key: String, scopes: String? = nil) -> String {
        let scopes = scopes.map { #","scopes":\#($0)"# } ?? ""
        return #"{"businessId":"\#(businessID)","secretKey":"\#(key)","grantType":"client_credentials"\#(scopes)}"#
    }

    /// Asks `POST /api/v3.20/auth/token` for a token by business id and returns the answer as it is.
    package static func requestToken(
        _ client: some TestClientProtocol,
        _ businessID: String,
        _ key: String,
        scopes: String? = nil
    ) async throws -> JSONResponse {
        try await client.json("/api/v3.20/auth/token", method: .post, body: tokenBody(businessID, key, scopes: scopes))
    }

    /// A v3.20 token by `businessId` through `/api/v3.20/auth/token`.
    package static func token(
        _ client: some TestClientProtocol,
        _ app: App,
        _ key: AppSecretKey,
        scopes: String? = nil
    ) async throws -> String {
        let response = try await requestToken(client, app.businessID.rawValue, key.value, scopes: scopes)
        #expect(response.status == .ok, "token request failed: \(response.raw)")
        return try #require(response.data["accessToken"] as? String)
    }
}

extension V3_20Endpoints.Tenant {
    /// Creates an endpoint for this tenant's app (see ``V3_20Endpoints/create(_:token:url:events:extra:)``).
    package func createEndpoint(
        _ client: any TestClientProtocol,
        url: String,
        events: [String],
        extra: String = ""
    ) async throws -> V3_20Endpoints.Created {
        try await V3_20Endpoints.create(client, token: token, url: url, events: events, extra: extra)
    }
}
