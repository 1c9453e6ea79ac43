import HookdCore
import HookdStore
import HookdTestSupport
import PostgresNIO
import Testing

/// The PostgreSQL schema's migrations: applied once, by one of several processes, never over a newer schema.
@Suite(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set"))
struct PostgresMigrationTests {
    /// Every migration this binary knows, in order.
    static let migrations = [
        "0001_apps_webhooks_tokens", "0002_events_deliveries", "0003_fair_delivery_queues", "0004_hardening",
        "0005_master_key_fence", "0006_lease_expiry_index", "0007_leases_counted_per_app", "0008_endpoints",
        "0009_portal", "0010_lease_releases_appended",
        "0011_attempts_checked_by_their_statement", "0012_leases_counted_by_their_statements",
        "0013_cancelled_deliveries_allowed", "0014_apps_take_turns",
        "0015_dispatchers", "0016_secrets_out_of_the_clear", "0017_write_probe", "0018_operational_webhooks",
        "0019_event_trace_parent", "0020_ed25519_endpoints", "0021_ordering_keys",
    ]

    @Test func migratingAgainAppliesNothing() async throws {
        try await PostgresTestDatabase.withStores(migrate: false) { stores, _ in
            #expect(try await stores[0].migrate() == Self.migrations)
            #expect(try await stores[0].migrate() == [])
            try await stores[0].insertApp(makeApp())
            #expect(try await stores[0].apps().count == 1)
        }
    }

    @Test func storesMigratingAtOnceApplyEachMigrationOnce() async throws {
        try await PostgresTestDatabase.withStores(count: 4, migrate: false) { stores, schema in
            let applied = try await withThrowingTaskGroup(of: [String].self) { group in
                for store in stores {
                    group.addTask {
                        do {
                            return try await store.migrate()
                        } catch {
                            // PSQLError hides its details from `description`; a failure here should say what it was.
                            Issue.record("migrating failed: \(String(reflecting: error))")
                            throw error
                        }
                    }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(applied.sorted() == Self.migrations)
            let recorded = try await schema.strings("SELECT id FROM hookd_migrations ORDER BY id")
            #expect(recorded == Self.migrations)
        }
    }

    @Test func aDatabaseFromANewerHookdIsRefusedAndLeftAsItIs() async throws {
        try await PostgresTestDatabase.withStores(migrate: false) { stores, schema in
            let logger = PostgresTestDatabase.logger
            try await schema.withConnection { connection in
                try await connection.query("CREATE TABLE hookd_migrations (id text PRIMARY KEY)", logger: logger)
                    .consumeAll()
                try await connection.query(
                    "INSERT INTO hookd_migrations (id) VALUES ('9999_from_the_future')",
                    logger: logger
                ).consumeAll()
            }
            await #expect {
                try await stores[0].migrate()
            } throws: { error in
                error is StoreError && "\(error)".contains("newer") && "\(error)".contains("9999_from_the_future")
            }
            let tables = try await schema.withConnection { connection in
                try await connection.query(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
                    logger: logger
                ).decode(Int.self).reduce(0, +)
            }
            #expect(tables == 1, "only hookd_migrations: nothing of this binary's schema was applied")
        }
    }
}
