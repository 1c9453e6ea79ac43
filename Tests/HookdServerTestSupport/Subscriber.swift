import HTTPTypes
package import HookdCore
package import HookdServer
package import HummingbirdTesting
import Testing

/// An app whose webhook URL is set: its token, its webhook secret and the URL.
package struct Subscriber: Sendable {
    package let app: App
    package let token: String
    package let secret: String
    /// The webhook URL the app's deliveries go to.
    package let url: String
}

extension TestHarness {
    /// Creates an app, takes a token for it and sets its webhook URL to `url`.
    package func subscribe(client: any TestClientProtocol, url: String) async throws -> Subscriber {
        let (app, key) = try await createApp()
        let token = try await client.token(for: app, key: key)
        let configured = try await client.configure(url, token: token)
        let secret = try #require(configured.data["webhookSecret"] as? String, "\(configured.raw)")
        return Subscriber(app: app, token: token, secret: secret, url: url)
    }

    /// Runs `body` against a live server with an app subscribed to `receiver`, which serves for the body's length.
    package func withSubscriber<Value: Sendable>(
        to receiver: TestReceiver,
        _ body: @Sendable (any TestClientProtocol, Subscriber) async throws -> Value
    ) async throws -> Value {
        try await receiver.withRunning { running in
            try await withLiveServer { client in
                try await body(client, try await subscribe(client: client, url: running.url))
            }
        }
    }

    /// Waits until the newest delivery in the app's log has `attempts` attempts recorded.
    package func waitForAttempts(
        _ attempts: Int,
        client: any TestClientProtocol,
        token: String
    ) async throws -> Bool {
        try await eventually {
            let log = try await client.json("/api/v3/webhooks/deliveries", method: .get, token: token)
            return (log.object["data"] as? [[String: Any]])?.first?["attempts"] as? Int == attempts
        }
    }
}

extension TestClientProtocol {
    /// The id of the app's delivery at `index` of the log (newest first).
    package func onlyDeliveryID(token: String, index: Int = 0) async throws -> String {
        let log = try await json("/api/v3/webhooks/deliveries", method: .get, token: token)
        let entries = try #require(log.object["data"] as? [[String: Any]])
        return try #require(entries[index]["deliveryId"] as? String)
    }
}

extension TestHarness {
    /// Runs `body` with a harness for deliveries on `backend` and a live server on it, with an app subscribed to
    /// `receiver` (see ``withSubscriber(to:_:)``).
    package static func withSubscriber<Value: Sendable>(
        on backend: Backend = .sqlite,
        configure: (inout HookdServerConfiguration) -> Void = { _ in },
        to receiver: TestReceiver,
        _ body: @Sendable (TestHarness, any TestClientProtocol, Subscriber) async throws -> Value
    ) async throws -> Value {
        try await withDeliveries(on: backend, configure: configure) { harness in
            try await harness.withSubscriber(to: receiver) { client, subscriber in
                try await body(harness, client, subscriber)
            }
        }
    }
}
