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
                        RETURNING app_id, endpoint_id
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
        if !completion.allowsAnotherAttempt {
            try recordHealth(db, endpointID: endpointID, appID: appID, completion)
        }
        return true
    }

    /// Counts an attempt against its endpoint, and disables a v3.20 endpoint that answered 410 or has failed for
    /// longer than the completion's limit, telling the app's other endpoints (SPEC §11).
    private static func recordHealth(
        _ db: Database,
        endpointID: EndpointID,
        appID: AppID,
        _ completion: AttemptCompletion
    ) throws {
        let attempt = completion.attempt
        let succeeded = completion.status == .succeeded
        try db.cachedStatement(
            sql: """
                UPDATE webhook_endpoints SET
                    total_deliveries = total_deliveries + 1, total_failures = total_failures + (NOT ?1),
                    last_delivery_at = ?2, last_delivery_status = CASE WHEN ?1 THEN 'SUCCEEDED' ELSE 'FAILED' END,
                    failure_count = CASE WHEN ?1 THEN 0 ELSE failure_count + 1 END,
                    failing_since = CASE WHEN ?1 THEN NULL ELSE coalesce(failing_since, ?2) END
                WHERE id = ?3
                """
        ).execute(arguments: [succeeded, attempt.startedAt, endpointID])
        guard !succeeded else { return }
        let gone = attempt.httpStatus == 410
        let disabled = try Row.fetchOne(
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
        )
        guard let disabled, let reason = EndpointDisabledReason(rawValue: disabled["disabled_reason"]) else { return }
        _ = try insert(
            EndpointDisabledNotice(
                endpointID: endpointID,
                url: disabled["url"],
                reason: reason,
                at: attempt.startedAt
            ).event(appID: appID),
            // Notices go to v3.20 endpoints alone.
            attemptsAllowed: AttemptsAllowed(
                v3URL: completion.noticeAttemptsAllowed,
                endpoint: completion.noticeAttemptsAllowed
            ),
            now: attempt.startedAt,
            lease: nil,
            db
        )
    }
}
