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
        ("lease_due_deliveries", PostgresClaimStatements.LeaseDueDeliveries.sql, "1000, 8, 64, 2000, 'lse_test', 32"),
        ("next_due_time", PostgresClaimStatements.NextDueTime.sql, "8, 32"),
        ("read_sending_states", PostgresClaimStatements.ReadSendingStates.sql, "'{whk_test}'"),
        (
            "insert_events", PostgresInsertEvents.sql,
            """
            '{app_test}', '{evt_test}', '{card.created}', ARRAY['\\x00'::bytea], '{false}', '{""}', '{whk_test}', \
            1000, 3, NULL, NULL, '{true}', 5, '{""}', '{""}', '{key}'
            """
        ),
        (
            "record_attempts", PostgresRecordAttempts.sql,
            """
            '{dlv_test}', '{lse_test}', '{SUCCEEDED}', '{1}', '{-1}', '{1000}', '{5}', '{200}', '{""}', \
            ARRAY['\\x00'::bytea], '{1}', '{false}', '{-1}', '{""}', '{-1}'
            """
        ),
    ]

    @Test(arguments: statements.map(\.name))
    func theGenericPlanMadeOnAnEmptySchemaReadsNoTableWhole(name: String) async throws {
        let statement = try #require(Self.statements.first { $0.name == name })
        let plan = try await Self.genericPlan(of: statement, settings: PostgresStore.plannedOnceSettings)
        let lines = plan.split(separator: "\n")
        // Only the two tables every claim folds and empties may be read whole; `deliveries` only through the indexes
        // of due deliveries, of leases and of ids, never walked through an app's or an endpoint's history.
        let wholeReads = lines.filter { line in
            line.contains("Seq Scan") && !Self.ledgers.contains { line.hasSuffix($0) }
        }
        #expect(wholeReads.isEmpty, "\(plan)")
        // Every index `deliveries` is read through, by an index scan or a bitmap.
        let deliveryIndexes = lines.compactMap { line -> Substring? in
            let words = line.split(separator: " ")
            if line.contains("Index Scan using"), line.contains(" on deliveries"),
                let using = words.firstIndex(of: "using")
            {
                return words[using + 1]
            }
            return line.contains("Bitmap Index Scan on deliveries") ? words.last : nil
        }
        #expect(Set(deliveryIndexes.map(String.init)).isSubset(of: Self.deliveryIndexes), "\(plan)")
    }

    /// The tables claims fold and empty, which hold only what the next claim takes.
    static let ledgers = ["on queue_wakeups", "on lease_releases", "on queue_wakeups k", "on line_releases"]

    /// The indexes the dispatcher's statements may read `deliveries` through (`deliveries_waiting`: the deliveries
    /// of an ordering key's line that wait, SPEC §15).
    static let deliveryIndexes: Set = [
        "deliveries_ready", "deliveries_lease_expiry", "deliveries_pkey", "deliveries_waiting",
    ]

    /// Why the settings are there: without them, the claim's generic plan made on an empty schema finds the
    /// deliveries it leases by reading `deliveries` whole, which it would go on doing with a backlog of millions.
    @Test func withoutTheSettingsTheLeaseReadsDeliveriesWhole() async throws {
        let statement = try #require(Self.statements.first { $0.name == "lease_due_deliveries" })
        let plan = try await Self.genericPlan(
            of: statement,
            settings: PostgresStore.plannedOnceSettings.filter { $0.name != "enable_seqscan" }
        )
        #expect(plan.contains("Seq Scan on deliveries"), "\(plan)")
    }

    /// The dispatcher's pool runs every session with the settings the plans above were checked under; the store's
    /// other pool keeps PostgreSQL's defaults (its statements are planned for their arguments, every time).
    @Test func theDispatchersSessionsPlanOnceAndTheOthersDoNot() async throws {
        try await PostgresTestDatabase.withStores { stores, _ in
            let store = stores[0]
            let names = PostgresStore.plannedOnceSettings.map(\.name)
            let show = PostgresQuery(
                unsafeSQL: "SELECT " + names.map { "current_setting('\($0)')" }.joined(separator: ", ")
            )
            let dispatching = try await store.withPlannedOnceConnection { connection in
                try await connection.query(show, logger: PostgresTestDatabase.logger).collect()
            }
            #expect(
                try Self.values(dispatching[0], count: names.count) == PostgresStore.plannedOnceSettings.map(\.value)
            )
            let other = try await store.rows(show)
            #expect(try Self.values(other[0], count: names.count) == ["auto", "on", "on"])
        }
    }

    private static func values(_ row: PostgresRow, count: Int) throws -> [String] {
        let cells = Array(row)
        return try (0..<count).map { try cells[$0].decode(String.self) }
    }

    /// `EXPLAIN` of `statement`'s generic plan, prepared on an empty migrated schema in a transaction that first
    /// sets `settings`; the plan's lines joined.
    private static func genericPlan(
        of statement: (name: String, sql: String, arguments: String),
        settings: [(name: String, value: String)]
    ) async throws -> String {
        let settings =
            "SELECT " + settings.map { "set_config('\($0.name)', '\($0.value)', true)" }.joined(separator: ", ")
        return try await PostgresTestDatabase.withStores { _, schema in
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
