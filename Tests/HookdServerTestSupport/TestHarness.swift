package import Foundation
package import HTTPTypes
package import HookdCore
import HookdDelivery
package import HookdServer
package import HookdStore
// Exported so that `Backend`'s members (StoreBackend's, declared there) are visible in every file that imports this.
@_exported import HookdTestSupport
import Hummingbird
package import HummingbirdTesting
import NIOCore
import Testing

/// The database behind a test: the one backend selection of every test target.
package typealias Backend = StoreBackend

/// A hookd server on a temporary store, with a fixed clock, a fake resolver and captured logs.
package struct TestHarness: Sendable {
    package let directory: URL
    package let store: any Store
    /// Drops the store's database (a PostgreSQL schema); the directory goes with ``removeFiles()``.
    private let dropStore: @Sendable () -> Void
    package let sealer: SecretSealer
    package let clock: TestClock
    package let logs: CapturedLogs
    package var configuration: HookdServerConfiguration
    package var resolver: any HostResolver

    /// A harness on a new SQLite file.
    package init(configure: (inout HookdServerConfiguration) -> Void = { _ in }) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookd-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: directory.appendingPathComponent("hookd.sqlite").path)
        self.init(directory: directory, store: store, dropStore: {}, configure: configure)
    }

    package init(
        directory: URL,
        store: any Store,
        dropStore: @escaping @Sendable () -> Void,
        configure: (inout HookdServerConfiguration) -> Void
    ) {
        self.directory = directory
        self.store = store
        self.dropStore = dropStore
        sealer = SecretSealer(primary: MasterKey.generate())
        clock = TestClock()
        logs = CapturedLogs()
        var configuration = HookdServerConfiguration()
        // Whatever a test names a receiver, its deliveries never leave the machine.
        configuration.delivery.transport.connectsOnlyToLoopback = true
        // The whole suite on two cores can keep a `SELECT 1` waiting past the 2 s default; a test that reads
        // `/health` asks whether the database answers, not how fast. Tests of the limit set it.
        configuration.healthTimeout = .seconds(30)
        configure(&configuration)
        self.configuration = configuration
        resolver = FakeHostResolver.standard
    }

    /// The operator key this harness's servers take for `POST /internal/events`.
    package let operatorKey = "hok_test_" + UUID().uuidString

    package var dependencies: NodeDependencies {
        NodeDependencies(
            store: store,
            sealer: sealer,
            clock: clock,
            resolver: resolver,
            logger: logs.logger(metadataProvider: configuration.loggingMetadataProvider),
            operatorKey: operatorKey
        )
    }

    /// A harness for deliveries to a receiver on 127.0.0.1: http and private targets allowed, no jitter, quick polling.
    package static func forDeliveries(
        on backend: Backend = .sqlite,
        configure: (inout HookdServerConfiguration) -> Void = { _ in }
    ) async throws -> TestHarness {
        try await withoutActuallyEscaping(configure) { configure in
            try await make(on: backend, configure: configure)
        }
    }

    /// A harness for deliveries on a store the caller owns (one of several nodes' stores on one database).
    package static func forDeliveries(
        sharing store: any Store,
        configure: @escaping (inout HookdServerConfiguration) -> Void = { _ in }
    ) throws -> TestHarness {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookd-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let noStoreToDrop: @Sendable () -> Void = {}
        return TestHarness(directory: directory, store: store, dropStore: noStoreToDrop) { configuration in
            configuration.allowHTTPTargets = true
            configuration.allowPrivateTargets = true
            configuration.delivery.retryJitter = 0
            configuration.delivery.idlePollInterval = .milliseconds(20)
            configure(&configuration)
        }
    }

    private static func make(
        on backend: Backend,
        configure: @escaping (inout HookdServerConfiguration) -> Void
    ) async throws -> TestHarness {
        let settings: (inout HookdServerConfiguration) -> Void = { configuration in
            configuration.allowHTTPTargets = true
            configuration.allowPrivateTargets = true
            configuration.delivery.retryJitter = 0
            configuration.delivery.idlePollInterval = .milliseconds(20)
            configure(&configuration)
        }
        switch backend {
        case .sqlite:
            return try TestHarness { configuration in
                configuration.delivery.releaseLeasesOnStart = true
                settings(&configuration)
            }
        case .postgres:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "hookd-test-\(UUID().uuidString)"
            )
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let (store, cleanup) = try await PostgresTestDatabase.makeEmptyStore()
            return TestHarness(directory: directory, store: store, dropStore: cleanup, configure: settings)
        }
    }

    /// A harness on a fresh PostgreSQL schema whose store configuration `adjust` changes first.
    package static func onPostgres(adjustStore: (inout PostgresStore.Configuration) -> Void) async throws -> TestHarness
    {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookd-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let (store, cleanup) = try await PostgresTestDatabase.makeEmptyStore(adjust: adjustStore)
        return TestHarness(directory: directory, store: store, dropStore: cleanup) { _ in }
    }

    /// Runs `body` against a live server on 127.0.0.1 with its dispatcher running.
    package func withLiveServer<Value: Sendable>(
        _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let app = try await buildApplication(configuration: configuration, dependencies: dependencies)
        return try await app.test(.live) { client in try await body(client) }
    }

    /// Waits until `condition` holds or `seconds` pass; returns whether it held.
    package func eventually(seconds: Double = 20, _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
        try await pollUntil(seconds: seconds, condition)
    }

    /// Creates an app directly in the store and returns it with its secret key.
    package func createApp(
        type: AppType = .issuing,
        scopes: [Scope] = Scope.allCases
    ) async throws -> (App, AppSecretKey) {
        try await administration.create(name: "test app", type: type, scopes: scopes)
    }

    /// The operator's app administration on this harness's store and clock.
    package var administration: AppAdministration { AppAdministration(store: store, clock: clock) }

    /// Runs `body` against the router of a freshly built application.
    package func withClient<Value: Sendable>(
        _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let app = try await buildApplication(configuration: configuration, dependencies: dependencies)
        return try await app.test(.router) { client in try await body(client) }
    }

    /// The decrypted webhook secret stored for `appID`.
    package func storedSecret(appID: AppID) async throws -> String? {
        guard let sealed = try await store.webhookConfiguration(appID: appID)?.sealedSecret else { return nil }
        let bytes = try sealer.open(sealed, purpose: SecretSealer.webhookSecretPurpose(appID: appID))
        return String(decoding: bytes, as: UTF8.self)
    }

    package func removeFiles() {
        dropStore()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A parsed JSON response.
package struct JSONResponse: @unchecked Sendable {
    // @unchecked: the dictionary holds only JSONSerialization's immutable value types.
    package let status: HTTPResponse.Status
    package let headers: HTTPFields
    package let raw: String
    package let object: [String: Any]

    package init(_ response: TestResponse) throws {
        status = response.status
        headers = response.headers
        raw = String(buffer: response.body)
        object = try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any])
    }

    package var data: [String: Any] { object["data"] as? [String: Any] ?? [:] }
    package var error: [String: Any] { object["error"] as? [String: Any] ?? [:] }
    package var errorCode: String? { error["code"] as? String }
    package var message: String? { object["message"] as? String }
}

extension TestClientProtocol {
    /// Sends a request and parses the JSON envelope.
    package func json(
        _ uri: String,
        method: HTTPRequest.Method,
        token: String? = nil,
        headers: HTTPFields = [:],
        body: String? = nil
    ) async throws -> JSONResponse {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        let response = try await execute(
            uri: uri,
            method: method,
            headers: headers,
            body: body.map { ByteBuffer(string: $0) }
        )
        return try JSONResponse(response)
    }

    /// Exchanges an app's credentials for an access token.
    package func token(for app: App, key: AppSecretKey) async throws -> String {
        let response = try await requestToken(for: app, key: key)
        #expect(response.status == .ok, "token request failed: \(response.raw)")
        return try #require(response.data["accessToken"] as? String)
    }

    /// Publishes an event through `POST /internal/events`.
    package func publish(
        appID: AppID,
        event: String,
        data: String,
        eventID: String? = nil,
        operatorKey: String
    ) async throws -> JSONResponse {
        let id = eventID.map { #","eventId":"\#($0)""# } ?? ""
        return try await json(
            "/api/v3/internal/events",
            method: .post,
            token: operatorKey,
            body: #"{"appId":"\#(appID)","event":"\#(event)","data":\#(data)\#(id)}"#
        )
    }

    /// Sets the app's webhook URL and returns the response.
    @discardableResult
    package func configure(_ url: String?, token: String) async throws -> JSONResponse {
        let value = url.map { #""\#($0)""# } ?? "null"
        return try await json("/api/v3/webhooks", method: .put, token: token, body: #"{"webhookUrl":\#(value)}"#)
    }
}
