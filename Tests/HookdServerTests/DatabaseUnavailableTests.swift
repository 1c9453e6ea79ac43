import Foundation
import HookdCore
import HookdServerTestSupport
import HookdStore
import HookdTestSupport
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import HookdServer

/// A database that does not answer in time gives a prompt 503 with `Retry-After`, and the same request succeeds
/// once it answers again.
@Suite struct DatabaseUnavailableTests {
    /// Runs `body` with a harness on a fresh PostgreSQL schema whose queries time out after `queryTimeout`, and the
    /// schema's name (read from the store's configuration).
    private static func withSlowDatabase(
        queryTimeout: Duration,
        _ body: (TestHarness, SchemaName) async throws -> Void
    ) async throws {
        let schemaName = SchemaName()
        let adjustStore: (inout PostgresStore.Configuration) -> Void = { configuration in
            configuration.queryTimeout = queryTimeout
            schemaName.read(from: configuration)
        }
        try await TestHarness.withPostgres(adjustStore: adjustStore) { harness in try await body(harness, schemaName) }
    }

    @Test(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set (CI sets it)"))
    func aPublishTheDatabaseCannotTakeIsA503AndCanBeRepeated() async throws {
        try await Self.withSlowDatabase(queryTimeout: .seconds(3)) { harness, schemaName in
            let (app, _) = try await harness.createApp(type: .issuing)
            let eventID = UUID().uuidString.lowercased()
            let body = #"{"appId":"\#(app.id)","event":"card.created","data":{"n":1},"eventId":"\#(eventID)"}"#
            let operatorKey = harness.operatorKey
            let schema: String = try #require(schemaName.value)
            try await harness.withClient { client in
                // Another session holds the events table, as a long migration or a stuck transaction would. The lock is
                // held until the publish has been answered, so its answer comes from the query timeout (without it,
                // the statement would fail after the session's 30 s lock_timeout, as a 500).
                try await PostgresTestDatabase.withConnection(searchPath: schema) { connection in
                    let logger = PostgresTestDatabase.logger
                    try await connection.query("BEGIN", logger: logger).consumeAll()
                    try await connection.query("LOCK TABLE events IN ACCESS EXCLUSIVE MODE", logger: logger)
                        .consumeAll()
                    let refused = try await client.json(
                        "/api/v3/internal/events",
                        method: .post,
                        token: operatorKey,
                        body: body
                    )
                    try await connection.query("ROLLBACK", logger: logger).consumeAll()
                    #expect(refused.status == .serviceUnavailable)
                    #expect(refused.errorCode == "SERVICE_UNAVAILABLE")
                    #expect(refused.headers[.retryAfter] == "1")
                }
                let accepted = try await client.json(
                    "/api/v3/internal/events",
                    method: .post,
                    token: operatorKey,
                    body: body
                )
                #expect(accepted.status == .accepted)
                let repeated = try await client.json(
                    "/api/v3/internal/events",
                    method: .post,
                    token: operatorKey,
                    body: body
                )
                #expect(repeated.status == .accepted)
            }
            let stored = try await harness.storedDeliveries(of: app.id)
            #expect(stored.total == 1, "the repeated publish is stored once")
        }
    }

    @Test(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set (CI sets it)"))
    func aRegenerationAnswered503IsNotCommittedAndItsKeyIsNotSpent() async throws {
        try await Self.withSlowDatabase(queryTimeout: .seconds(2)) { harness, schemaName in
            let (app, key) = try await harness.createApp(type: .issuing)
            let schema: String = try #require(schemaName.value)
            try await harness.withClient { client in
                let token = try await client.token(for: app, key: key)
                let secret = try #require(
                    try await client.configure("https://hooks.example.com/a", token: token).data["webhookSecret"]
                        as? String
                )
                let headers: HTTPFields = [IdempotencyKeyHeader.name: "rotate-1"]
                // Another session holds the app's configuration row: the regeneration waits on it until the server
                // cancels it at the query timeout, which rolls it back.
                try await PostgresTestDatabase.withConnection(searchPath: schema) { connection in
                    let logger = PostgresTestDatabase.logger
                    try await connection.query("BEGIN", logger: logger).consumeAll()
                    try await connection.query(
                        "SELECT 1 FROM webhook_endpoints WHERE app_id = \(app.id) FOR UPDATE",
                        logger: logger
                    ).consumeAll()
                    let refused = try await client.json(
                        "/api/v3/webhooks/secret/regenerate",
                        method: .post,
                        token: token,
                        headers: headers
                    )
                    #expect(refused.status == .serviceUnavailable, "\(refused.raw)")
                    #expect(refused.errorCode == "SERVICE_UNAVAILABLE")
                    try await connection.query("ROLLBACK", logger: logger).consumeAll()
                }
                // Longer than the caller's own wait: nothing the refused call did may commit behind its back.
                try await Task.sleep(for: .seconds(3))
                #expect(
                    try await harness.storedSecret(appID: app.id) == secret,
                    "the refused regeneration left no secret"
                )
                #expect(try await harness.store.secretAuditRecords(appID: app.id).map(\.action) == [.created])

                let retried = try await client.json(
                    "/api/v3/webhooks/secret/regenerate",
                    method: .post,
                    token: token,
                    headers: headers
                )
                #expect(retried.status == .ok, "the key was not spent on the refused call")
                #expect(retried.headers[IdempotencyKeyHeader.replayed] == nil)
                let again = try await client.json(
                    "/api/v3/webhooks/secret/regenerate",
                    method: .post,
                    token: token,
                    headers: headers
                )
                #expect(again.data["webhookSecret"] as? String == retried.data["webhookSecret"] as? String)
                #expect(try await harness.storedSecret(appID: app.id) == retried.data["webhookSecret"] as? String)
            }
        }
    }

    @Test(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set (CI sets it)"))
    func aServerOutOfDiskIsA503AndHealthSaysSo() async throws {
        let schemaName = SchemaName()
        let adjustStore: (inout PostgresStore.Configuration) -> Void = { configuration in
            schemaName.read(from: configuration)
        }
        try await TestHarness.withPostgres(adjustStore: adjustStore) {
            harness in
            let (app, _) = try await harness.createApp(type: .issuing)
            let schema: String = try #require(schemaName.value)
            // The server's answer to a write when its disk is full is SQLSTATE 53100 (disk_full); a trigger gives it here
            // without filling the test server's disk.
            try await PostgresTestDatabase.withConnection(searchPath: schema) { connection in
                try await connection.query(
                    """
                    CREATE FUNCTION refuse_as_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$
                    """,
                    logger: PostgresTestDatabase.logger
                ).consumeAll()
                try await connection.query(
                    "CREATE TRIGGER disk_full BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_as_disk_full()",
                    logger: PostgresTestDatabase.logger
                ).consumeAll()
            }
            try await harness.withClient { client in
                let refused = try await harness.publish("card.created", data: "{}", appID: app.id, client: client)
                #expect(refused.status == .serviceUnavailable, "\(refused.raw)")
                #expect(refused.errorCode == "SERVICE_UNAVAILABLE")
                #expect(refused.headers[.retryAfter] == "10")
                let unwell = try await client.json("/health", method: .get)
                #expect(unwell.status == .serviceUnavailable)
                #expect((unwell.error["detail"] as? String)?.contains("disk is full") == true, "\(unwell.raw)")

                try await PostgresTestDatabase.withConnection(searchPath: schema) { connection in
                    try await connection.query("DROP TRIGGER disk_full ON events", logger: PostgresTestDatabase.logger)
                        .consumeAll()
                }
                harness.clock.advance(by: 11)
                #expect(try await client.json("/health", method: .get).status == .ok, "healthy once it can write")
                let accepted = try await harness.publish("card.created", data: "{}", appID: app.id, client: client)
                #expect(accepted.status == .accepted)
            }
            #expect(harness.logs.text.components(separatedBy: "the database cannot write").count == 2, "logged once")
        }
    }
}

/// The schema a test store was given, read from its `search_path` startup option.
private final class SchemaName: @unchecked Sendable {
    // @unchecked: written once, inside the store's configuration closure, before any reader runs.
    private(set) var value: String?

    func read(from configuration: PostgresStore.Configuration) {
        value = configuration.startupOptions?.firstMatch(of: #/search_path=(\w+)/#).map { String($0.1) }
    }
}
