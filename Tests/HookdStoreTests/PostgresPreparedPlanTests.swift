import HookdTestSupport
import PostgresNIO
import Testing

@testable import HookdStore

/// The dispatcher's statements are prepared once per connection and planned once (their generic plan). That plan
/// must serve a queue of any size, so it is checked where it is most tempted to go wrong: made on an empty, freshly
/// migrated schema, where reading a table whole looks cheapest.
@Suite(.enabled(if: PostgresTestDatabase.isConfigured, "HOOKD_TEST_POSTGRES_URL is not set"))
struct PostgresPreparedPlanTests {
    /// Each prepared statement, with arguments of the types it binds.
    static let statements: [(name: String, sql: String, arguments: String)] = [
        ("fold_into_queues", PostgresClaimStatements.FoldIntoQueues.sql, "1000"),
        ("lease_due_deliveries", PostgresClaimStatements.LeaseDueDeliveries.sql, "1000, 8, 64, 2000, 'lse_test'"),
        (
            "record_attempts", PostgresRecordAttempts.sql,
            """
            '{dlv_test}', '{lse_test}', '{SUCCEEDED}', '{1}', '{-1}', '{1000}', '{5}', '{200}', '{""}', \
            ARRAY['\\x00'::bytea], '{1}', '{false}', '{-1}', '{""}'
            """
        ),
    ]

    @Test(arguments: statements.map(\.name))
    func theGenericPlanMadeOnAnEmptySchemaReadsNoTableWhole(name: String) async throws {
        let statement = try #require(Self.statements.first { $0.name == name })
        let plan = try await Self.genericPlan(of: statement, settings: PostgresStore.PlanOnceWithIndexes.sql)
        #expect(!plan.contains("Seq Scan"), "\(plan)")
    }

    /// Why the settings are there: without them, the claim's generic plan made on an empty schema finds the
    /// deliveries it leases by reading `deliveries` whole, which it would go on doing with a backlog of millions.
    @Test func withoutTheSettingsTheLeaseReadsDeliveriesWhole() async throws {
        let statement = try #require(Self.statements.first { $0.name == "lease_due_deliveries" })
        let plan = try await Self.genericPlan(
            of: statement,
            settings: "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)"
        )
        #expect(plan.contains("Seq Scan on deliveries"), "\(plan)")
    }

    /// `EXPLAIN` of `statement`'s generic plan, prepared on an empty migrated schema in a transaction that first
    /// runs `settings`; the plan's lines joined.
    private static func genericPlan(
        of statement: (name: String, sql: String, arguments: String),
        settings: String
    ) async throws -> String {
        try await PostgresTestDatabase.withStores { _, schema in
            try await schema.withConnection { connection in
                let logger = PostgresTestDatabase.logger
                try await connection.query(
                    PostgresQuery(unsafeSQL: "PREPARE \(statement.name) AS \(statement.sql)"),
                    logger: logger
                ).consume()
                try await connection.query("BEGIN", logger: logger).consume()
                try await connection.query(PostgresQuery(unsafeSQL: settings), logger: logger).consume()
                let lines = try await connection.query(
                    PostgresQuery(unsafeSQL: "EXPLAIN (COSTS OFF) EXECUTE \(statement.name)(\(statement.arguments))"),
                    logger: logger
                ).collect().map { try $0.decode(String.self) }
                try await connection.query("ROLLBACK", logger: logger).consume()
                return lines.joined(separator: "\n")
            }
        }
    }
}
