import Foundation
import GRDB
import HookdCore
import HookdTestSupport
import PostgresNIO
import Synchronization
import Testing

@testable import HookdStore

/// Endpoints' custom headers are kept sealed, under the fence, and re-sealed with everything else; what an older
/// hookd kept in the clear is sealed at start, and the headers kept with attempts lose their credentials and MACs
/// when the store migrates (issue 21, item 5), on every backend.
@Suite struct SealedHeadersTests {
    /// A v3.20 endpoint of `app` with `sealedHeaders`.
    static func endpoint(_ store: any Store, app: App, sealedHeaders: [UInt8]?) async throws -> Endpoint {
        let endpoint = Endpoint.v3_20(appID: app.id, sealedHeaders: sealedHeaders)
        let secret = sealed(under: keyIdentifier(1), [0])
        #expect(try await store.createEndpoint(endpoint, secret: change(secret), limit: 20))
        return endpoint
    }

    /// Runs one statement on the store's own database, outside the store's API (for what an older hookd wrote).
    static func execute(_ store: any Store, sqlite: String, postgres: PostgresQuery) async throws {
        if let store = store as? SQLiteStore {
            try await store.pool.write { db in try db.execute(sql: sqlite) }
        } else {
            try await (store as! PostgresStore).execute(postgres)
        }
    }

    @Test(arguments: StoreBackend.all)
    func headersAreStoredSealedChangedFencedAndReSealed(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let (old, new, outdated) = (keyIdentifier(1), keyIdentifier(2), keyIdentifier(3))
            #expect(try await store.sealingKeyIdentifier(settingIfAbsent: old) == old)
            let app = try await makeStoredApp(store)
            let first = sealed(under: old, [7])
            let endpoint = try await Self.endpoint(store, app: app, sealedHeaders: first)
            #expect(try await store.endpoint(appID: app.id, id: endpoint.id)?.sealedHeaders == first)

            let second = sealed(under: old, [8])
            let changed = try await store.updateEndpoint(
                appID: app.id,
                id: endpoint.id,
                EndpointChange(sealedHeaders: .some(second)),
                now: UnixSeconds(2)
            )
            #expect(changed?.sealedHeaders == second)
            let untouched = try await store.updateEndpoint(
                appID: app.id,
                id: endpoint.id,
                EndpointChange(description: "d"),
                now: UnixSeconds(3)
            )
            #expect(untouched?.sealedHeaders == second, "a change without headers keeps them")
            await #expect {
                _ = try await store.updateEndpoint(
                    appID: app.id,
                    id: endpoint.id,
                    EndpointChange(sealedHeaders: .some(sealed(under: outdated, [9]))),
                    now: UnixSeconds(4)
                )
            } throws: { error in
                (error as? StoreError)?.isOutdatedMasterKey == true
            }
            #expect(try await store.endpoint(appID: app.id, id: endpoint.id)?.sealedHeaders == second)

            let purposes = SealCalls()
            _ = try await store.resealAll(under: new) { value, purpose in
                if value == second { purposes.append(purpose) }
                return sealed(under: new, Array(value.dropFirst(9)) + [0xEE])
            }
            #expect(purposes.calls == [SecretSealer.endpointHeadersPurpose(appID: app.id, endpointID: endpoint.id)])
            #expect(
                try await store.endpoint(appID: app.id, id: endpoint.id)?.sealedHeaders
                    == sealed(under: new, [8, 0xEE])
            )

            let cleared = try await store.updateEndpoint(
                appID: app.id,
                id: endpoint.id,
                EndpointChange(sealedHeaders: .some(nil)),
                now: UnixSeconds(5)
            )
            #expect(cleared?.sealedHeaders == nil, "`{}` stores no headers")
        }
    }

    @Test(arguments: StoreBackend.all)
    func headersAnOlderHookdKeptInTheClearAreSealedOnceAndEmptied(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let fence = keyIdentifier(1)
            #expect(try await store.sealingKeyIdentifier(settingIfAbsent: fence) == fence)
            let app = try await makeStoredApp(store)
            let endpoint = try await Self.endpoint(store, app: app, sealedHeaders: nil)
            let clear = #"{"Authorization":"Bearer clear-\#(UUID().uuidString)"}"#
            // As an older hookd wrote it (the JSON is ours; ids are made by Identifiers).
            try await Self.execute(
                store,
                sqlite: "UPDATE webhook_endpoints SET headers = '\(clear)' WHERE id = '\(endpoint.id)'",
                postgres: "UPDATE webhook_endpoints SET headers = \(clear) WHERE id = \(endpoint.id)"
            )

            let seen = SealCalls()
            let count = try await store.sealHeadersKeptInClear { json, appID, endpointID in
                seen.append("\(json) \(appID) \(endpointID)")
                return sealed(under: fence, Array(json.utf8.reversed()))
            }
            #expect(count == 1)
            #expect(seen.calls == ["\(clear) \(app.id) \(endpoint.id)"])
            let stored = try await store.endpoint(appID: app.id, id: endpoint.id)
            #expect(stored?.sealedHeaders == sealed(under: fence, Array(clear.utf8.reversed())))
            #expect(try await store.sealHeadersKeptInClear { _, _, _ in [] } == 0, "nothing is left in the clear")

            if let sqlite = store as? SQLiteStore {
                let path = sqlite.pool.path
                var bytes = Data()
                for suffix in ["", "-wal"] {
                    bytes.append((try? Data(contentsOf: URL(fileURLWithPath: path + suffix))) ?? Data())
                }
                #expect(bytes.range(of: Data("Bearer clear-".utf8)) == nil, "the clear value is still in the file")
            }
        }
    }

    /// Failed attempts' headers written before this migration, with credentials and both signature schemes.
    static let headersKeptBefore = [
        "Host: a.example", "Authorization: Bearer kept-before", "X-Team: payments",
        "X-Fyatu-Signature: t=1767225600,v1=aa11bb22cc33dd44,v1=ee55ff66",
        "webhook-signature: v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= v1,Zm9vYmFyYmF6",
        "Content-Length: 2",
    ].joined(separator: "\n")
    static let headersRedacted = [
        "Host: a.example", "Authorization: [redacted]", "X-Team: payments",
        "X-Fyatu-Signature: t=1767225600,v1=[redacted],v1=[redacted]",
        "webhook-signature: v1,[redacted] v1,[redacted]", "Content-Length: 2",
    ].joined(separator: "\n")

    @Test func theSQLiteMigrationRedactsTheHeadersKeptWithAttempts() async throws {
        try await withTemporarySQLiteFile { path in
            let older = try DatabasePool(path: path)
            try SQLiteMigrations.migrator.migrate(older, upTo: "0010_apps_take_turns")
            try older.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO apps (id, business_id, name, type, status, scopes, secret_key_digest, created_at)
                        VALUES ('APP', 'BUS', 'a', 'issuing', 'ACTIVE', '', x'00', 0);
                        INSERT INTO events (app_id, event_id, event, data, created_at)
                        VALUES ('APP', 'e1', 'card.funded', x'7b7d', 0);
                        INSERT INTO deliveries (id, app_id, event_id, event, status, attempts_allowed, created_at)
                        VALUES ('dlv_1', 'APP', 'e1', 'card.funded', 'FAILED', 4, 0),
                               ('dlv_2', 'APP', 'e1', 'card.funded', 'FAILED', 4, 0);
                        INSERT INTO delivery_attempts
                            (delivery_id, number, started_at, latency_ms, response_body, secret_version, request_headers)
                        VALUES ('dlv_1', 1, 0, 1, x'', 1, ?), ('dlv_1', 2, 0, 1, x'', 1, ''), ('dlv_2', 1, 0, 1, x'', 1, ?)
                        """,
                    arguments: [Self.headersKeptBefore, Self.headersKeptBefore]
                )
            }
            try older.close()

            let store = try SQLiteStore(path: path)
            let kept = try store.pool.read { db in
                try String.fetchAll(
                    db,
                    sql: "SELECT request_headers FROM delivery_attempts ORDER BY delivery_id, number"
                )
            }
            #expect(kept == [Self.headersRedacted, "", Self.headersRedacted])
            try store.close()
            var bytes = Data()
            for suffix in ["", "-wal"] {
                bytes.append((try? Data(contentsOf: URL(fileURLWithPath: path + suffix))) ?? Data())
            }
            for secret in ["kept-before", "aa11bb22cc33dd44", "K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN"] {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) is still in the file")
            }
        }
    }

    /// The PostgreSQL migration that seals headers and redacts those kept with attempts.
    static let sealingMigration = "0016_secrets_out_of_the_clear"

    @Test(.enabled(if: PostgresTestDatabase.isConfigured))
    func thePostgresMigrationRedactsTheHeadersKeptWithAttempts() async throws {
        try await PostgresTestDatabase.withStores(migrate: false) { stores, schema in
            try await schema.withConnection { connection in
                let logger = PostgresTestDatabase.logger
                try await connection.query(
                    "CREATE TABLE hookd_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                    logger: logger
                ).consumeAll()
                // The schema as it was before the headers were sealed.
                for migration in PostgresMigrations.all.prefix(while: { $0.id != Self.sealingMigration }) {
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).consumeAll()
                    }
                    try await connection.query(
                        "INSERT INTO hookd_migrations (id) VALUES (\(migration.id))",
                        logger: logger
                    )
                    .consumeAll()
                }
                try await connection.query(
                    """
                    INSERT INTO delivery_attempts
                        (delivery_id, number, started_at, latency_ms, response_body, secret_version, request_headers)
                    VALUES ('dlv_1', 1, 0, 1, '', 1, \(Self.headersKeptBefore)), ('dlv_1', 2, 0, 1, '', 1, ''),
                           ('dlv_2', 1, 0, 1, '', 1, \(Self.headersKeptBefore))
                    """,
                    logger: logger
                ).consumeAll()
            }
            #expect(PostgresMigrations.all.contains { $0.id == Self.sealingMigration })
            try await stores[0].migrate()
            let kept = try await schema.strings(
                "SELECT request_headers FROM delivery_attempts ORDER BY delivery_id, number"
            )
            #expect(kept == [Self.headersRedacted, "", Self.headersRedacted])
        }
    }
}

/// What a sealing closure was called with.
private final class SealCalls: Sendable {
    private let state = Mutex<[String]>([])
    var calls: [String] { state.withLock { $0 } }
    func append(_ call: String) { state.withLock { $0.append(call) } }
}
