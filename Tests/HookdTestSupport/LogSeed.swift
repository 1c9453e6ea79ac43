import GRDB
package import HookdCore
package import HookdStore
import PostgresNIO
import Testing

/// Fills a delivery log for tests: through the store's own API (a few failed deliveries), or with one SQL statement
/// per table for a large log (a hundred thousand attempts in seconds).
package enum LogSeed {
    /// Claims every delivery due at `now` and records a failed attempt of `latency` for each: with no attempt left,
    /// they become `FAILED`.
    /// - Returns: how many there were.
    package static func failEverythingDue(
        _ store: any Store,
        at now: UnixMillis,
        latency: Int64 = 5
    ) async throws
        -> Int
    {
        let claims = try await store.claim(10_000, caps: .each(10_000), at: now)
        let recorded = try await store.completeAttempts(
            claims.map { claim in
                .attempt(on: claim, at: now, httpStatus: 500, latency: .milliseconds(latency), status: .failed)
            }
        )
        #expect(recorded.allSatisfy { $0 })
        return claims.count
    }

    /// What ``attempts(sqlitePath:_:)`` and ``attempts(postgres:_:)`` write: `deliveries` finished deliveries of
    /// one endpoint, created evenly over the `hours` before `end`, each with `attemptsEach` attempts a second apart
    /// (latency `1 + n % 1000` ms, one in ten failed).
    package struct Attempts: Sendable {
        package var appID: String
        package var endpointID: String
        package var deliveries: Int
        package var attemptsEach: Int
        package var end: UnixMillis
        package var hours: Int

        package init(appID: String, endpointID: String, deliveries: Int, attemptsEach: Int, end: UnixMillis, hours: Int)
        {
            self.appID = appID
            self.endpointID = endpointID
            self.deliveries = deliveries
            self.attemptsEach = attemptsEach
            self.end = end
            self.hours = hours
        }

        /// Milliseconds between two deliveries' creations.
        var spacing: Int64 { max(1, Int64(hours) * 3_600_000 / Int64(deliveries)) }
        /// The first delivery's creation, late enough that its last attempt is in the window.
        var first: UnixMillis { end - .milliseconds(spacing * Int64(deliveries)) }
    }

    /// Writes `seed` into the SQLite database at `path` (hookd may have it open: WAL lets a second writer in).
    package static func attempts(sqlitePath path: String, _ seed: Attempts) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            let arguments: StatementArguments = [
                "count": seed.deliveries, "app": seed.appID, "endpoint": seed.endpointID, "first": seed.first,
                "spacing": seed.spacing, "each": seed.attemptsEach,
            ]
            try db.execute(
                sql: """
                    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :count)
                    INSERT INTO events (app_id, event_id, event, data, created_at)
                    SELECT :app, 'seed-' || i, 'card.funded', CAST('{}' AS BLOB), :first + i * :spacing FROM n
                    """,
                arguments: arguments
            )
            try db.execute(
                sql: """
                    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :count)
                    INSERT INTO deliveries (id, app_id, endpoint_id, event_id, event, status, attempts, attempts_allowed,
                                            last_attempt_at, last_http_status, created_at)
                    SELECT 'dlv_seed' || i, :app, :endpoint, 'seed-' || i, 'card.funded',
                           CASE WHEN i % 10 = 0 THEN 'FAILED' ELSE 'SUCCEEDED' END, :each, :each,
                           :first + i * :spacing, CASE WHEN i % 10 = 0 THEN 500 ELSE 200 END, :first + i * :spacing
                    FROM n
                    """,
                arguments: arguments
            )
            try db.execute(
                sql: """
                    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :count),
                    k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < :each)
                    INSERT INTO delivery_attempts (delivery_id, number, started_at, latency_ms, http_status,
                                                   response_body, secret_version)
                    SELECT 'dlv_seed' || i, j, :first + i * :spacing + (j - 1) * 1000, 1 + (i * :each + j) % 1000,
                           CASE WHEN i % 10 = 0 THEN 500 ELSE 200 END, x'', 1
                    FROM n, k
                    """,
                arguments: arguments
            )
        }
        try queue.close()
    }

    /// Writes `seed` into a schema of the test database.
    package static func attempts(postgres schema: PostgresTestDatabase.Schema, _ seed: Attempts) async throws {
        let (count, app, endpoint, first, spacing, each) = (
            seed.deliveries, seed.appID, seed.endpointID, seed.first.rawValue, seed.spacing, seed.attemptsEach
        )
        try await schema.withConnection { connection in
            try await connection.query(
                """
                INSERT INTO events (app_id, event_id, event, data, created_at)
                SELECT \(app), 'seed-' || i, 'card.funded', '\\x7b7d'::bytea, \(first) + i * \(spacing)
                FROM generate_series(0, \(count) - 1) AS i
                """,
                logger: PostgresTestDatabase.logger
            ).consumeAll()
            try await connection.query(
                """
                INSERT INTO deliveries (id, app_id, endpoint_id, event_id, event, status, attempts, attempts_allowed,
                                        last_attempt_at, last_http_status, created_at)
                SELECT 'dlv_seed' || i, \(app), \(endpoint), 'seed-' || i, 'card.funded',
                       CASE WHEN i % 10 = 0 THEN 'FAILED' ELSE 'SUCCEEDED' END, \(each), \(each),
                       \(first) + i * \(spacing), CASE WHEN i % 10 = 0 THEN 500 ELSE 200 END, \(first) + i * \(spacing)
                FROM generate_series(0, \(count) - 1) AS i
                """,
                logger: PostgresTestDatabase.logger
            ).consumeAll()
            try await connection.query(
                """
                INSERT INTO delivery_attempts (delivery_id, number, started_at, latency_ms, http_status, response_body,
                                               secret_version)
                SELECT 'dlv_seed' || i, j, \(first) + i * \(spacing) + (j - 1) * 1000, 1 + (i * \(each) + j) % 1000,
                       CASE WHEN i % 10 = 0 THEN 500 ELSE 200 END, ''::bytea, 1
                FROM generate_series(0, \(count) - 1) AS i, generate_series(1, \(each)) AS j
                """,
                logger: PostgresTestDatabase.logger
            ).consumeAll()
            try await connection.query("ANALYZE", logger: PostgresTestDatabase.logger).consumeAll()
        }
    }
}
