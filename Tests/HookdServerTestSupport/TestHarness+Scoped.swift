import Foundation
package import HookdCore
package import HookdServer
package import HookdStore
import HummingbirdTesting

/// Scoped harnesses: each runs its body and then removes the harness's files and database, whether the body
/// returned or threw, so that no test has to remember a `defer`.
extension TestHarness {
    /// Runs `body` with a harness on a new SQLite file.
    package static func with<Value>(
        configure: (inout HookdServerConfiguration) -> Void = { _ in },
        _ body: (TestHarness) async throws -> Value
    ) async throws -> Value {
        try await TestHarness(configure: configure).use(body)
    }

    /// Runs `body` with a harness for deliveries to a receiver on 127.0.0.1 (see ``forDeliveries(on:configure:)``).
    package static func withDeliveries<Value>(
        on backend: Backend = .sqlite,
        configure: (inout HookdServerConfiguration) -> Void = { _ in },
        _ body: (TestHarness) async throws -> Value
    ) async throws -> Value {
        try await forDeliveries(on: backend, configure: configure).use(body)
    }

    /// Runs `body` with a harness for deliveries whose clock reads the real time, for verifiers that check
    /// timestamps against the system clock (the Standard Webhooks library, the example receiver).
    package static func withRealTime<Value>(_ body: (TestHarness) async throws -> Value) async throws -> Value {
        try await withDeliveries { harness in
            harness.clock.advance(by: Date().timeIntervalSince(harness.clock.now))
            return try await body(harness)
        }
    }

    /// Runs `body` with a harness for deliveries on a store the caller owns.
    package static func withDeliveries<Value>(
        sharing store: any Store,
        configure: @escaping (inout HookdServerConfiguration) -> Void = { _ in },
        _ body: (TestHarness) async throws -> Value
    ) async throws -> Value {
        try await forDeliveries(sharing: store, configure: configure).use(body)
    }

    /// Runs `body` with a harness on a fresh PostgreSQL schema (see ``onPostgres(adjustStore:)``).
    package static func withPostgres<Value>(
        adjustStore: (inout PostgresStore.Configuration) -> Void,
        _ body: (TestHarness) async throws -> Value
    ) async throws -> Value {
        try await onPostgres(adjustStore: adjustStore).use(body)
    }

    /// Runs `body` with this harness, then removes its files and database.
    package func use<Value>(_ body: (TestHarness) async throws -> Value) async throws -> Value {
        try await runThenCleanUp {
            try await body(self)
        } cleanUp: {
            removeFiles()
        }
    }
}

extension TestHarness {
    /// Runs `body` while a worker node serves beside this harness's: this harness's configuration (with
    /// `configure`'s changes) and dependencies, but the role `worker` and its own pool on the shared database,
    /// `store`; stopped once `body` returns or throws.
    package func withWorker<Value: Sendable>(
        on store: any Store,
        configure: (inout HookdServerConfiguration) -> Void = { _ in },
        _ body: @Sendable () async throws -> Value
    ) async throws -> Value {
        var configuration = self.configuration
        configuration.role = .worker
        configure(&configuration)
        var dependencies = self.dependencies
        dependencies.store = store
        let worker = try await buildApplication(configuration: configuration, dependencies: dependencies)
        return try await worker.test(.live) { _ in try await body() }
    }
}

extension TestHarness {
    /// The first `limit` of the app's deliveries in the store (with `status`, if given), newest first, and how many
    /// match in all.
    package func storedDeliveries(
        of appID: AppID,
        status: DeliveryStatus? = nil,
        limit: Int = 10
    ) async throws -> (items: [DeliverySummary], total: Int) {
        try await store.deliveries(appID: appID, status: status, event: nil, limit: limit, offset: 0)
    }
}
