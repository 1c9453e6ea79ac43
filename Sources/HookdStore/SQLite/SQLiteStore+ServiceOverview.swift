import GRDB
public import HookdCore

extension SQLiteStore: ServiceOverview {
    public func pendingDeliveryCounts() async throws -> [AppID: Int] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT app_id, count(*) FROM deliveries WHERE status = 'PENDING' GROUP BY app_id"
            )
            return Dictionary(uniqueKeysWithValues: rows.map { row in (row[0] as AppID, row[1] as Int) })
        }
    }

    public func attemptCounts(since: UnixMillis, bucket: Duration) async throws -> [AttemptCount] {
        let width = max(bucket.wholeMilliseconds, 1)
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT started_at - started_at % ? AS bucket,
                        sum(CASE WHEN http_status BETWEEN 200 AND 299 THEN 1 ELSE 0 END),
                        sum(CASE WHEN http_status BETWEEN 200 AND 299 THEN 0 ELSE 1 END)
                    FROM delivery_attempts WHERE started_at >= ?
                    GROUP BY bucket ORDER BY bucket
                    """,
                arguments: [width, since]
            ).map { row in
                AttemptCount(start: UnixMillis(row[0] as Int64), succeeded: row[1], failed: row[2])
            }
        }
    }

    public func failingEndpoints(limit: Int, offset: Int) async throws -> (items: [FailingEndpoint], total: Int) {
        try await pool.read { db in
            let total = try Int.fetchOne(
                db,
                sql: "SELECT count(*) FROM webhook_endpoints WHERE \(failingEndpointCondition)"
            )
            let items = try Row.fetchAll(
                db,
                sql: """
                    SELECT w.*, (SELECT name FROM apps a WHERE a.id = w.app_id) AS app_name
                    FROM webhook_endpoints w INDEXED BY webhook_endpoints_failing WHERE \(failingEndpointCondition)
                    ORDER BY failing_since, id LIMIT ? OFFSET ?
                    """,
                arguments: [limit, offset]
            ).map { row in FailingEndpoint(endpoint: try Self.storedEndpoint(from: row), appName: row["app_name"]) }
            return (items, total ?? 0)
        }
    }
}
