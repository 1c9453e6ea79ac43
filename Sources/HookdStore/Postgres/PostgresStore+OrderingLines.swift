import HookdCore
import PostgresNIO

// Ordering keys (SPEC §15) in PostgreSQL: a KEYED endpoint's deliveries that share a key form a line. Its first
// unsettled delivery may be sent; the others wait, PENDING with no next attempt, in the order of `ordering_seq`.
// `ordering_lines` counts each line's unsettled deliveries under the row's lock. Publishes decide at once whether a
// delivery waits; records and requeues append to `line_releases`, and the next claim's fold (whose snapshot sees
// every delivery published into the line before) lets the first waiting one go.

extension PostgresStore {
    /// The CTEs (`rejoined`, `rejoined_line`, `rejoined_release`) by which the deliveries of a `requeued` CTE that
    /// rejoin their lines (its columns `endpoint_id`, `app_id`, `ordering_key`, `rejoins`; set waiting by it) are
    /// counted in, each line locked in key order; a line with nothing unsettled before them releases its first
    /// waiting one at the next fold. A constant, never data.
    static let rejoinLines = """
        rejoined AS (
            SELECT endpoint_id, app_id, ordering_key, count(*)::integer AS added FROM requeued WHERE rejoins
            GROUP BY endpoint_id, app_id, ordering_key
        ), rejoined_line AS (
            INSERT INTO ordering_lines AS o (endpoint_id, ordering_key, unsettled)
            SELECT endpoint_id, ordering_key, added FROM rejoined ORDER BY endpoint_id, ordering_key
            ON CONFLICT (endpoint_id, ordering_key) DO UPDATE SET unsettled = o.unsettled + excluded.unsettled
            RETURNING endpoint_id, ordering_key, unsettled
        ), rejoined_release AS (
            INSERT INTO line_releases (endpoint_id, app_id, ordering_key)
            SELECT l.endpoint_id, r.app_id, l.ordering_key FROM rejoined_line l
            JOIN rejoined r ON r.endpoint_id = l.endpoint_id AND r.ordering_key = l.ordering_key
            WHERE l.unsettled = r.added
        )
        """

    /// An endpoint that stops keeping order (`KEYED` to `NONE`): every waiting delivery is due at `now`, none of its
    /// pending deliveries belongs to a line any more, and its lines go.
    static func dissolveLines(
        endpointID: EndpointID,
        appID: AppID,
        now: UnixMillis,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await connection.query(
            """
            WITH lines AS (
                DELETE FROM ordering_lines WHERE endpoint_id = \(endpointID)
            ), freed AS (
                UPDATE deliveries SET next_attempt_at = COALESCE(next_attempt_at, \(now)), ordering_key = NULL
                WHERE endpoint_id = \(endpointID) AND status = \(DeliveryStatus.pending.rawValue)
                  AND ordering_key IS NOT NULL
            )
            INSERT INTO queue_wakeups (app_id, endpoint_id, due_at) VALUES (\(appID), \(endpointID), \(now))
            """,
            logger: logger
        ).consume()
    }
}
