import PostgresNIO

extension PostgresStore {
    /// Runs `body` in a transaction for the statements the dispatcher runs on every claim and every batch of
    /// records: statements prepared once per connection (``PostgresPreparedStatement``) and then planned once.
    ///
    /// Sent unnamed, as postgres-nio sends a ``PostgresQuery``, those statements were parsed and planned on every
    /// call, and planning cost more than running them (claiming: 2.3 ms to plan, 1.8 ms to run; PERFORMANCE.md).
    /// A plan made once must not depend on the statistics of the moment it was made: a plan made while
    /// `deliveries` was empty chose to read it whole, and kept doing so with 25,000 rows (a claim 50 times slower).
    /// So in this transaction the planner uses its generic plan from the first run and never reads a table whole
    /// where an index serves (``PlanOnceWithIndexes``); every statement run in it is written for indexes.
    func withPreparedTransaction<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withTransaction { [logger] connection in
            do {
                try await connection.execute(PlanOnceWithIndexes(), logger: logger).consume()
                return try await body(connection)
            } catch {
                // postgres-nio keeps a statement whose preparation failed (a query timeout while a table was locked,
                // say) failed on its connection for good: a connection that failed here leaves the pool, and the
                // next one prepares afresh.
                try? await connection.close()
                throw error
            }
        }
    }

    /// Sets, until the transaction ends, the planner's choices that make a prepared statement's plan independent of
    /// the statistics of the moment: its generic plan from the first run, and no table read whole where an index can
    /// be used (a read of a whole table stays possible where no index can serve). And no JIT compilation: a plan
    /// that still reads a small table whole (the ledgers every claim empties) carries the planner's penalty for it,
    /// a cost so high that PostgreSQL would compile the statement on every run (measured: 0.6 s a run).
    struct PlanOnceWithIndexes: PostgresRowStatement {
        static let sql = """
            SELECT set_config('plan_cache_mode', 'force_generic_plan', true), set_config('enable_seqscan', 'off', true),
                   set_config('jit', 'off', true)
            """

        func makeBindings() throws -> PostgresBindings { PostgresBindings() }
    }
}

/// A prepared statement whose rows its caller reads as they are, by column.
protocol PostgresRowStatement: PostgresPreparedStatement where Row == PostgresRow {}

extension PostgresRowStatement {
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
