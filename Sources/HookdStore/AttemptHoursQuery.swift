/// The statement both stores aggregate an endpoint's attempts with, hour by hour
/// (``EndpointStore/attemptHours(appID:endpointID:from:hours:)``), written once.
///
/// The database numbers each hour's latencies in order and hands back one row per hour (`hour`, `succeeded`,
/// `failed`, `p50`, `p95`), so only the aggregates leave it: SQLite's sorter keeps what it sorts within its cache
/// and spills the rest to temporary files, PostgreSQL sorts within `work_mem` and spills the rest to disk. The
/// percentile of rank `ceil(p × n / 100)` is the nearest-rank one, `(p × n + 99) / 100` in whole numbers.
///
/// A delivery's attempts follow its creation by at most the retry schedule; a day covers any schedule an operator
/// would set, and keeps the walk to the endpoint's recent deliveries.
enum AttemptHoursQuery {
    /// The names of the statement's parameters, as the backend spells them (`:start`, `$1`, …); values are always
    /// bound, never written into the text.
    struct Parameters {
        /// The first hour's start (Unix milliseconds).
        let start: String
        /// The end of the last hour (excluded).
        let end: String
        /// 3,600,000.
        let hourLength: String
        let endpointID: String
        let appID: String
        /// The oldest creation of a delivery whose attempts are counted: a day before `start`.
        let createdSince: String
    }

    static func sql(_ p: Parameters) -> String {
        """
        WITH samples AS (
            SELECT (a.started_at - \(p.start)) / \(p.hourLength) AS hour, a.latency_ms AS latency,
                   CASE WHEN a.http_status BETWEEN 200 AND 299 THEN 1 ELSE 0 END AS ok
            FROM deliveries d JOIN delivery_attempts a ON a.delivery_id = d.id
            WHERE d.endpoint_id = \(p.endpointID) AND d.app_id = \(p.appID) AND d.created_at >= \(p.createdSince)
              AND a.started_at >= \(p.start) AND a.started_at < \(p.end)
        ), ranked AS (
            SELECT hour, latency, ok, row_number() OVER (PARTITION BY hour ORDER BY latency) AS rank,
                   count(*) OVER (PARTITION BY hour) AS n
            FROM samples
        )
        SELECT hour, sum(ok) AS succeeded, count(*) - sum(ok) AS failed,
               min(CASE WHEN rank = (50 * n + 99) / 100 THEN latency END) AS p50,
               min(CASE WHEN rank = (95 * n + 99) / 100 THEN latency END) AS p95
        FROM ranked GROUP BY hour ORDER BY hour
        """
    }
}
