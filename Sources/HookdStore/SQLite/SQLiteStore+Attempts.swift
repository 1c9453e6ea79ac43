import GRDB
public import HookdCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
public import Foundation
#endif

// Recording attempts while their lease holds, and an endpoint's health after them: the attempt half of
// ``DeliveryQueue``.

extension SQLiteStore {
    @discardableResult
    public func completeAttempt(_ completion: AttemptCompletion) async throws -> Bool {
        try await pool.write { db in
            try Self.complete(db, completion)
        }
    }

    public func completeAttempts(_ completions: [AttemptCompletion]) async throws -> [Bool] {
        try await pool.write { db in
            try completions.map { try Self.complete(db, $0) }
        }
    }

    static func complete(_ db: Database, _ completion: AttemptCompletion) throws -> Bool {
        let attempt = completion.attempt
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        UPDATE deliveries
                        SET status = ?, attempts = ?, next_attempt_at = ?, locked_until = NULL, lease_id = NULL,
                            last_attempt_at = ?, last_http_status = ?,
                            attempts_allowed = attempts_allowed + CASE WHEN ? THEN 1 ELSE 0 END
                        WHERE id = ? AND lease_id = ?
                        RETURNING app_id, endpoint_id, event_id, event, is_test, ordering_key
                        """
                ),
                arguments: [
                    completion.status.rawValue, attempt.number, completion.nextAttemptAt, attempt.startedAt,
                    attempt.httpStatus, completion.allowsAnotherAttempt, completion.deliveryID,
                    completion.leaseID,
                ]
            )
        else { return false }
        let (appID, endpointID): (AppID, EndpointID) = (row["app_id"], row["endpoint_id"])
        if completion.status == .pending, let next = completion.nextAttemptAt {
            try markEndpointReady(db, endpointID: endpointID, appID: appID, at: next)
        } else if let key: String = row["ordering_key"] {
            try leaveLine(db, endpointID: endpointID, appID: appID, key: key, now: attempt.startedAt)
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO delivery_attempts
                    (delivery_id, number, started_at, latency_ms, http_status, error, response_body, secret_version,
                     request_headers)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (delivery_id, number) DO NOTHING
                """
        ).execute(
            arguments: [
                completion.deliveryID, attempt.number, attempt.startedAt, attempt.latency.wholeMilliseconds,
                attempt.httpStatus, attempt.error, Data(attempt.responseBody), completion.secretVersion,
                SentHeader.lines(attempt.requestHeaders),
            ]
        )
        guard !completion.allowsAnotherAttempt else { return true }
        var notices = try recordHealth(db, endpointID: endpointID, appID: appID, completion)
        if completion.status == .failed, !row["is_test"], !EventCatalogue.isOperational(row["event"]) {
            let url = try String.fetchOne(
                db.cachedStatement(sql: "SELECT url FROM webhook_endpoints WHERE id = ?"),
                arguments: [endpointID]
            )
            let exhaustion = DeliveryExhaustion(
                deliveryID: completion.deliveryID,
                eventID: row["event_id"],
                event: row["event"],
                attempts: attempt.number,
                lastHTTPStatus: attempt.httpStatus,
                lastError: attempt.error
            )
            notices.append(
                OperationalNotice(
                    appID: appID,
                    endpointID: endpointID,
                    url: url,
                    kind: .deliveryExhausted(exhaustion),
                    at: attempt.startedAt
                )
            )
        }
        try insertNotices(notices, attemptsAllowed: completion.noticeAttemptsAllowed, now: attempt.startedAt, db)
        return true
    }

    /// Counts an attempt against its endpoint; disables a v3.20 endpoint that answered 410 or has failed for longer
    /// than the completion's limit (SPEC §11), or warns about one failing for longer than the warning's (SPEC §14).
    /// - Returns: the notices of what changed.
    private static func recordHealth(
        _ db: Database,
        endpointID: EndpointID,
        appID: AppID,
        _ completion: AttemptCompletion
    ) throws -> [OperationalNotice] {
        let attempt = completion.attempt
        let succeeded = completion.status == .succeeded
        try db.cachedStatement(
            sql: """
                UPDATE webhook_endpoints SET
                    total_deliveries = total_deliveries + 1, total_failures = total_failures + (NOT ?1),
                    last_delivery_at = ?2, last_delivery_status = CASE WHEN ?1 THEN 'SUCCEEDED' ELSE 'FAILED' END,
                    failure_count = CASE WHEN ?1 THEN 0 ELSE failure_count + 1 END,
                    failing_since = CASE WHEN ?1 THEN NULL ELSE coalesce(failing_since, ?2) END,
                    failing_warned_at = CASE WHEN ?1 THEN NULL ELSE failing_warned_at END
                WHERE id = ?3
                """
        ).execute(arguments: [succeeded, attempt.startedAt, endpointID])
        guard !succeeded else { return [] }
        let gone = attempt.httpStatus == 410
        let notice = { (url: String?, kind: OperationalNotice.Kind) in
            OperationalNotice(appID: appID, endpointID: endpointID, url: url, kind: kind, at: attempt.startedAt)
        }
        if let disabled = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    UPDATE webhook_endpoints
                    SET status = 'DISABLED', disabled_reason = CASE WHEN ?1 THEN 'GONE' ELSE 'FAILING' END,
                        updated_at = ?2
                    WHERE id = ?3 AND format = 'V3_20' AND status = 'ACTIVE' AND deleted_at IS NULL
                      AND (?1 OR failing_since <= ?4)
                    RETURNING url, disabled_reason
                    """
            ),
            arguments: [gone, attempt.startedAt.unixSeconds, endpointID, completion.endpointFailingLimit]
        ), let reason = EndpointDisabledReason(rawValue: disabled["disabled_reason"]) {
            return [notice(disabled["url"], .endpointDisabled(reason: reason))]
        }
        guard
            let warned = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        UPDATE webhook_endpoints SET failing_warned_at = ?1
                        WHERE id = ?2 AND format = 'V3_20' AND status = 'ACTIVE' AND deleted_at IS NULL
                          AND failing_warned_at IS NULL AND failing_since <= ?3
                        RETURNING url, failing_since
                        """
                ),
                arguments: [attempt.startedAt, endpointID, completion.endpointWarningLimit]
            )
        else { return [] }
        let failingSince: UnixMillis = warned["failing_since"]
        let disableAt = failingSince + completion.endpointDisableAfter
        return [notice(warned["url"], .endpointFailing(failingSince: failingSince, disableAt: disableAt))]
    }

    /// Writes the events of `notices` (SPEC §14), each allowed `attemptsAllowed` attempts: to the app's subscribed
    /// endpoints but the one it is about, and to the operator's webhook while one is set. Nothing is said about the
    /// operator's own webhook.
    static func insertNotices(
        _ notices: [OperationalNotice],
        attemptsAllowed: Int,
        now: UnixMillis,
        _ db: Database
    ) throws {
        let notices = notices.filter { $0.appID != OperatorWebhook.appID }
        guard !notices.isEmpty else { return }
        let toOperator =
            try Bool.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT EXISTS (SELECT 1 FROM webhook_endpoints
                                       WHERE id = ? AND status = 'ACTIVE' AND deleted_at IS NULL AND url IS NOT NULL)
                        """
                ),
                arguments: [OperatorWebhook.endpointID]
            ) ?? false
        for event in notices.flatMap({ $0.events(toOperator: toOperator) }) {
            _ = try insert(
                event,
                // Notices go to v3.20 endpoints alone.
                attemptsAllowed: AttemptsAllowed(v3URL: attemptsAllowed, endpoint: attemptsAllowed),
                now: now,
                lease: nil,
                db
            )
        }
    }
}
