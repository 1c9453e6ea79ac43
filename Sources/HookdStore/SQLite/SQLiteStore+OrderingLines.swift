import GRDB
import HookdCore

// Ordering keys (SPEC §15) in SQLite: a KEYED endpoint's deliveries that share a key form a line. Its first
// unsettled delivery may be sent; the others wait, PENDING with no next attempt, in the order they were written
// (rowid). `ordering_lines` counts each line's unsettled deliveries; one writer, so each change below sees every one
// before it.

extension SQLiteStore {
    /// Adds `count` deliveries to the line of `key` at `endpointID`.
    ///
    /// - Returns: how many of the line's deliveries were unsettled before: with none, the first added may be sent.
    static func joinLine(_ db: Database, endpointID: EndpointID, key: String, count: Int = 1) throws -> Int {
        let unsettled = try Int.fetchOne(
            db.cachedStatement(
                sql: """
                    INSERT INTO ordering_lines (endpoint_id, ordering_key, unsettled) VALUES (?1, ?2, ?3)
                    ON CONFLICT (endpoint_id, ordering_key) DO UPDATE SET unsettled = unsettled + ?3
                    RETURNING unsettled
                    """
            ),
            arguments: [endpointID, key, count]
        )
        return (unsettled ?? count) - count
    }

    /// One delivery of the line settled (it succeeded, or failed its last attempt): the first waiting one, if any,
    /// is due at `now`.
    static func leaveLine(_ db: Database, endpointID: EndpointID, appID: AppID, key: String, now: UnixMillis) throws {
        let left = try Int.fetchOne(
            db.cachedStatement(
                sql: """
                    UPDATE ordering_lines SET unsettled = unsettled - 1 WHERE endpoint_id = ? AND ordering_key = ?
                    RETURNING unsettled
                    """
            ),
            arguments: [endpointID, key]
        )
        guard let left, left > 0 else { return }
        try releaseFirstWaiting(db, endpointID: endpointID, appID: appID, key: key, now: now)
    }

    /// Makes the first waiting delivery of the line due at `now`, if one waits.
    static func releaseFirstWaiting(
        _ db: Database,
        endpointID: EndpointID,
        appID: AppID,
        key: String,
        now: UnixMillis
    ) throws {
        try db.cachedStatement(
            sql: """
                UPDATE deliveries SET next_attempt_at = ?3
                WHERE rowid = (SELECT rowid FROM deliveries INDEXED BY deliveries_waiting
                               WHERE endpoint_id = ?1 AND ordering_key = ?2 AND status = 'PENDING'
                                 AND next_attempt_at IS NULL AND ordering_key IS NOT NULL
                               ORDER BY rowid LIMIT 1)
                """
        ).execute(arguments: [endpointID, key, now])
        if db.changesCount > 0 {
            try markEndpointReady(db, endpointID: endpointID, appID: appID, at: now)
        }
    }

    /// An endpoint that stops keeping order (`KEYED` to `NONE`): every waiting delivery is due at `now`, and none of
    /// its pending deliveries belongs to a line any more.
    static func dissolveLines(_ db: Database, endpointID: EndpointID, appID: AppID, now: UnixMillis) throws {
        try db.execute(
            sql: """
                UPDATE deliveries SET next_attempt_at = coalesce(next_attempt_at, ?2), ordering_key = NULL
                WHERE endpoint_id = ?1 AND status = 'PENDING' AND ordering_key IS NOT NULL
                """,
            arguments: [endpointID, now]
        )
        try db.execute(sql: "DELETE FROM ordering_lines WHERE endpoint_id = ?", arguments: [endpointID])
        try markEndpointReady(db, endpointID: endpointID, appID: appID, at: now)
    }
}

extension SQLiteStore {
    /// `count` deliveries of a line that had settled and are pending again, waiting (a manual retry, a recovery):
    /// with nothing of the line unsettled before them, the first waiting one (the earliest written) is due at `now`.
    static func rejoinLine(
        _ db: Database,
        endpointID: EndpointID,
        appID: AppID,
        key: String,
        count: Int,
        now: UnixMillis
    ) throws {
        if try joinLine(db, endpointID: endpointID, key: key, count: count) == 0 {
            try releaseFirstWaiting(db, endpointID: endpointID, appID: appID, key: key, now: now)
        }
    }
}
