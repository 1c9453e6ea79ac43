public import HookdCore
import PostgresNIO

extension PostgresStore: ServiceOverview {
    public func pendingDeliveryCounts() async throws -> [AppID: Int] {
        let rows = try await rows("SELECT app_id, count(*) FROM deliveries WHERE status = 'PENDING' GROUP BY app_id")
        return Dictionary(uniqueKeysWithValues: try rows.map { row in try row.decode((AppID, Int).self) })
    }

    public func attemptCounts(since: UnixMillis, bucket: Duration) async throws -> [AttemptCount] {
        let width = max(bucket.wholeMilliseconds, 1)
        return try await rows(
            """
            SELECT started_at - started_at % \(width) AS bucket,
                count(*) FILTER (WHERE http_status BETWEEN 200 AND 299),
                count(*) FILTER (WHERE http_status IS NULL OR http_status NOT BETWEEN 200 AND 299)
            FROM delivery_attempts WHERE started_at >= \(since)
            GROUP BY bucket ORDER BY bucket
            """
        ).map { row in
            let (start, succeeded, failed) = try row.decode((Int64, Int, Int).self)
            return AttemptCount(start: UnixMillis(start), succeeded: succeeded, failed: failed)
        }
    }

    public func failingEndpoints(limit: Int, offset: Int) async throws -> (items: [FailingEndpoint], total: Int) {
        let total = try await rows(
            "SELECT count(*) FROM webhook_endpoints WHERE \(unescaped: failingEndpointCondition)"
        ).first?.decode(Int.self)
        let items = try await rows(
            """
            SELECT \(unescaped: Self.endpointColumns), (SELECT name FROM apps a WHERE a.id = w.app_id) AS app_name
            FROM webhook_endpoints w WHERE \(unescaped: failingEndpointCondition)
            ORDER BY failing_since, id LIMIT \(limit) OFFSET \(offset)
            """
        ).map { row in
            FailingEndpoint(
                endpoint: try Self.storedEndpoint(from: row),
                appName: try row.makeRandomAccess().decode("app_name")
            )
        }
        return (items, total ?? 0)
    }
}
