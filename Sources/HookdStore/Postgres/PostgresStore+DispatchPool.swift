import PostgresNIO

extension PostgresStore {
    /// The planner's settings of every session of the dispatcher's pool (``dispatchClient``), where the statements
    /// the dispatcher runs on every claim, record and publish are prepared once per connection
    /// (``PostgresPreparedStatement``) and then planned once.
    ///
    /// Sent unnamed, as postgres-nio sends a ``PostgresQuery``, those statements were parsed and planned on every
    /// call, and planning cost more than running them (claiming: 2.3 ms to plan, 1.8 ms to run; PERFORMANCE.md).
    /// A plan made once must not depend on the statistics of the moment it was made: a plan made while
    /// `deliveries` was empty chose to read it whole, and kept doing so with 25,000 rows (a claim 50 times slower).
    /// So these sessions use the generic plan from the first run and never read a table whole where an index serves
    /// (a read of a whole table stays possible where no index can serve); every statement run there is written for
    /// indexes. And no JIT compilation: a plan that still reads a small table whole (the ledgers every claim
    /// empties) carries the planner's penalty for it, a cost so high that PostgreSQL would compile the statement on
    /// every run (measured: 0.6 s a run).
    ///
    /// They are the sessions' own (startup parameters), not set per transaction: a claim, a record or a publish is
    /// then one statement and one round trip, not four or five (BEGIN, the settings, the statements, COMMIT).
    static let plannedOnceSettings: [(name: String, value: String)] = [
        ("plan_cache_mode", "force_generic_plan"), ("enable_seqscan", "off"), ("jit", "off"),
    ]

    /// Runs `body` on a connection of the dispatcher's pool, where each statement commits on its own; within the
    /// query timeout.
    func withPlannedOnceConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await guarded { [dispatchClient] in
            try await dispatchClient.withConnection { connection in
                try await Self.closingOnFailure(connection, body)
            }
        }
    }

    /// Runs `body` in a transaction on a connection of the dispatcher's pool, for statements that must commit
    /// together; within the query timeout.
    func withPlannedOnceTransaction<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await guarded { [self] in
            try await transaction(on: dispatchClient) { connection in
                try await Self.closingOnFailure(connection, body)
            }
        }
    }

    /// postgres-nio keeps a statement whose preparation failed (a query timeout while a table was locked, say)
    /// failed on its connection for good: a connection that failed here leaves the pool, and the next one prepares
    /// afresh.
    private static func closingOnFailure<Result>(
        _ connection: PostgresConnection,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        do {
            return try await body(connection)
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

/// A prepared statement whose rows its caller reads as they are, by column.
protocol PostgresRowStatement: PostgresPreparedStatement where Row == PostgresRow {}

extension PostgresRowStatement {
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
