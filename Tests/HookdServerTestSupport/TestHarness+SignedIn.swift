import HTTPTypes
package import HookdCore
package import HookdServer
package import HummingbirdTesting
import Testing

/// Scoped clients with an app signed in: the setup most route tests share.
extension TestHarness {
    /// Runs `body` with a harness on a new SQLite file and a new app signed in on its router (or, with `.live`, on a
    /// live server): the harness, the client, the app, its key and a token.
    package static func withSignedIn<Value: Sendable>(
        _ setup: TestingSetup = .router,
        configure: (inout HookdServerConfiguration) -> Void = { _ in },
        _ body: @Sendable (TestHarness, any TestClientProtocol, App, AppSecretKey, String) async throws -> Value
    ) async throws -> Value {
        try await with(configure: configure) { harness in
            try await harness.withSignedIn(setup) { client, app, key, token in
                try await body(harness, client, app, key, token)
            }
        }
    }

    /// Runs `body` against the router (or, with `.live`, a live server) with a new app and a token for it.
    package func withSignedIn<Value: Sendable>(
        _ setup: TestingSetup = .router,
        _ body: @Sendable (any TestClientProtocol, App, AppSecretKey, String) async throws -> Value
    ) async throws -> Value {
        let (app, key) = try await createApp()
        let application = try await buildApplication(configuration: configuration, dependencies: dependencies)
        return try await application.test(setup) { client in
            try await body(client, app, key, try await client.token(for: app, key: key))
        }
    }

    /// Runs `body` against the router of a harness on a new SQLite file.
    package static func withClient<Value: Sendable>(
        configure: (inout HookdServerConfiguration) -> Void = { _ in },
        _ body: @Sendable (TestHarness, any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        try await with(configure: configure) { harness in
            try await harness.withClient { client in try await body(harness, client) }
        }
    }
}
