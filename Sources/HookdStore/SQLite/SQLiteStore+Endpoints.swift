import GRDB
public import HookdCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension SQLiteStore: EndpointStore {
    /// What the v3.20 routes see: not deleted, and (for the app's v3 URL) configured.
    static let visibleEndpoint = "deleted_at IS NULL AND url IS NOT NULL"

    public func createEndpoint(_ endpoint: Endpoint, secret: SealedSecretChange, limit: Int) async throws -> Bool {
        try await writeSealed { db in
            // One writer: nothing is created between the count and the insert.
            let existing = try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM webhook_endpoints INDEXED BY webhook_endpoints_by_app
                    WHERE app_id = ? AND deleted_at IS NULL AND format = 'V3_20'
                    """,
                arguments: [endpoint.appID]
            )
            guard (existing ?? 0) < limit else { return false }
            try db.execute(
                sql: """
                    INSERT INTO webhook_endpoints
                        (id, app_id, format, signing_scheme, public_keys_token, url, description, events,
                         sealed_headers, rate_limit, status, secret_prefix, sealed_secret, secret_version, created_at,
                         updated_at, ordering)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    endpoint.id, endpoint.appID, endpoint.format.rawValue, endpoint.signingScheme.rawValue,
                    endpoint.publicKeysToken, endpoint.url, endpoint.description,
                    try Self.eventsJSON(endpoint.events), endpoint.sealedHeaders.map { Data($0) }, endpoint.rateLimit,
                    endpoint.status.rawValue, endpoint.secretPrefix, Data(secret.sealedSecret), endpoint.secretVersion,
                    endpoint.createdAt, endpoint.updatedAt, endpoint.ordering.rawValue,
                ]
            )
            try Self.insertAudit(
                db,
                appID: endpoint.appID,
                action: .created,
                version: endpoint.secretVersion,
                change: secret,
                now: endpoint.createdAt
            )
            return true
        }
    }

    public func endpoints(appID: AppID, limit: Int, offset: Int) async throws -> (items: [Endpoint], total: Int) {
        try await pool.read { db in
            let total = try Int.fetchOne(
                db,
                sql: "SELECT count(*) FROM webhook_endpoints WHERE app_id = ? AND \(Self.visibleEndpoint)",
                arguments: [appID]
            )
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM webhook_endpoints WHERE app_id = ? AND \(Self.visibleEndpoint)
                    ORDER BY rowid LIMIT ? OFFSET ?
                    """,
                arguments: [appID, limit, offset]
            )
            return (try rows.map(Self.storedEndpoint(from:)), total ?? 0)
        }
    }

    public func endpoint(appID: AppID, id: EndpointID) async throws -> Endpoint? {
        try await pool.read { db in try Self.findVisibleEndpoint(db, appID: appID, id: id) }
    }

    public func endpoint(publicKeysToken: String) async throws -> Endpoint? {
        // The partial unique index on the token finds the row; `visibleEndpoint` leaves deleted endpoints out.
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT * FROM webhook_endpoints WHERE public_keys_token = ? AND \(Self.visibleEndpoint)",
                arguments: [publicKeysToken]
            ).map(Self.storedEndpoint(from:))
        }
    }

    static func findVisibleEndpoint(_ db: Database, appID: AppID, id: EndpointID) throws -> Endpoint? {
        try Row.fetchOne(
            db,
            sql: "SELECT * FROM webhook_endpoints WHERE app_id = ? AND id = ? AND \(visibleEndpoint)",
            arguments: [appID, id]
        ).map(storedEndpoint(from:))
    }

    public func updateEndpoint(
        appID: AppID,
        id: EndpointID,
        _ change: EndpointChange,
        now: UnixSeconds
    ) async throws -> Endpoint? {
        let events = try change.events.map { try Self.eventsJSON($0) }
        return try await writeSealed { db in
            guard let before = try Self.findVisibleEndpoint(db, appID: appID, id: id) else { return nil }
            try db.execute(
                sql: """
                    UPDATE webhook_endpoints SET
                        url = coalesce(:url, url),
                        description = coalesce(:description, description),
                        events = CASE WHEN :setEvents THEN :events ELSE events END,
                        sealed_headers = CASE WHEN :setHeaders THEN :sealedHeaders ELSE sealed_headers END,
                        rate_limit = CASE WHEN :setRateLimit THEN :rateLimit ELSE rate_limit END,
                        ordering = coalesce(:ordering, ordering),
                        status = CASE WHEN :enabled IS NULL THEN status WHEN :enabled THEN 'ACTIVE' ELSE 'DISABLED' END,
                        disabled_reason = CASE WHEN :enabled IS NULL THEN disabled_reason WHEN :enabled THEN NULL
                                          ELSE coalesce(disabled_reason, 'MANUAL') END,
                        failure_count = CASE WHEN :enabled THEN 0 ELSE failure_count END,
                        failing_since = CASE WHEN :enabled THEN NULL ELSE failing_since END,
                        failing_warned_at = CASE WHEN :enabled THEN NULL ELSE failing_warned_at END,
                        updated_at = :now
                    WHERE app_id = :appID AND id = :id
                    """,
                arguments: [
                    "url": change.url, "description": change.description, "setEvents": events != nil,
                    "events": events, "setHeaders": change.sealedHeaders != nil,
                    "sealedHeaders": (change.sealedHeaders ?? nil).map { Data($0) },
                    "setRateLimit": change.rateLimit != nil, "rateLimit": change.rateLimit ?? nil,
                    "enabled": change.enabled, "ordering": change.ordering?.rawValue, "now": now, "appID": appID,
                    "id": id,
                ]
            )
            guard let updated = try Self.findVisibleEndpoint(db, appID: appID, id: id) else { return nil }
            if before.ordering == .keyed, updated.ordering == .none {
                try Self.dissolveLines(db, endpointID: id, appID: appID, now: UnixMillis(now))
            }
            if updated.status == .active {
                if change.enabled == true {
                    // Deliveries that waited while it was disabled are due now.
                    try db.execute(
                        sql: """
                            UPDATE deliveries SET next_attempt_at = min(next_attempt_at, ?)
                            WHERE endpoint_id = ? AND status = 'PENDING' AND lease_id IS NULL
                              AND next_attempt_at IS NOT NULL
                            """,
                        arguments: [UnixMillis(now), id]
                    )
                }
                try Self.markEndpointReady(db, endpointID: id, appID: appID, at: UnixMillis(now))
                if before.status == .disabled {
                    let enabled = OperationalNotice(
                        appID: appID,
                        endpointID: id,
                        url: updated.url,
                        kind: .endpointEnabled,
                        at: UnixMillis(now)
                    )
                    try Self.insertNotices(
                        [enabled],
                        attemptsAllowed: change.noticeAttemptsAllowed,
                        now: UnixMillis(now),
                        db
                    )
                }
            }
            return updated
        }
    }

    public func deleteEndpoint(appID: AppID, id: EndpointID, now: UnixSeconds) async throws -> Bool {
        try await pool.write { db in
            guard try Self.findVisibleEndpoint(db, appID: appID, id: id) != nil else { return false }
            try db.execute(
                sql: "UPDATE webhook_endpoints SET deleted_at = ?, updated_at = ? WHERE id = ?",
                arguments: [now, now, id]
            )
            try db.execute(sql: "DELETE FROM ordering_lines WHERE endpoint_id = ?", arguments: [id])
            // Leased ones too: an attempt in flight then finds its lease gone and is not recorded.
            try db.execute(
                sql: """
                    UPDATE deliveries SET status = 'CANCELLED', next_attempt_at = NULL, locked_until = NULL,
                                          lease_id = NULL
                    WHERE endpoint_id = ? AND status = 'PENDING'
                    """,
                arguments: [id]
            )
            return true
        }
    }

    public func rotateEndpointSecret(
        appID: AppID,
        id: EndpointID,
        change: SealedSecretChange,
        secretPrefix: String,
        overlapUntil: UnixMillis?,
        now: UnixSeconds
    ) async throws -> Endpoint? {
        try await writeSealed { db in
            guard try Self.findVisibleEndpoint(db, appID: appID, id: id) != nil else { return nil }
            try db.execute(
                sql: """
                    UPDATE webhook_endpoints SET
                        previous_sealed_secret = CASE WHEN ?1 IS NULL THEN NULL ELSE sealed_secret END,
                        previous_secret_until = ?1,
                        sealed_secret = ?, secret_prefix = ?, secret_version = secret_version + 1, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [overlapUntil, Data(change.sealedSecret), secretPrefix, now, id]
            )
            guard let rotated = try Self.findVisibleEndpoint(db, appID: appID, id: id) else { return nil }
            try Self.insertAudit(
                db,
                appID: appID,
                action: .regenerated,
                version: rotated.secretVersion,
                change: change,
                now: now
            )
            return rotated
        }
    }

    public func recoverDeliveries(
        appID: AppID,
        endpointID: EndpointID,
        createdIn window: Range<UnixMillis>,
        now: UnixMillis,
        limit: Int,
        maximumManualRetries: Int
    ) async throws -> RecoveryOutcome? {
        guard try await endpoint(appID: appID, id: endpointID) != nil else { return nil }
        // Oldest first (ties newest written first, the order of the index on (endpoint_id, created_at DESC) read
        // backwards), from a place that only moves on: a delivery that fails again during the call is not queued
        // twice by it. Each batch is one short write, so publishes and attempts go on between them.
        let eligible = """
            endpoint_id = ?1 AND app_id = ?2 AND status = 'FAILED' AND manual_retries < ?3
              AND created_at < ?4 AND created_at >= ?5 AND (created_at > ?5 OR rowid < ?6)
              AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = ?1 AND app_id = ?2 AND \(Self.visibleEndpoint))
            """
        var after = (createdAt: window.lowerBound, sequence: Int64.max)
        var queued = 0
        while queued < limit {
            let batch = min(Self.recoveryBatchSize, limit - queued)
            let arguments: StatementArguments = [
                endpointID, appID, maximumManualRetries, window.upperBound, after.createdAt, after.sequence,
            ]
            // The async write, not the synchronous one that would hold this thread: it returns no `Row`s, which are
            // not `Sendable`.
            let places = try await pool.write { db in
                // Keyed deliveries join their lines again, waiting, if the endpoint still keeps order (SPEC §15).
                let keyed = try Self.findVisibleEndpoint(db, appID: appID, id: endpointID)?.ordering == .keyed
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        UPDATE deliveries
                        SET status = 'PENDING',
                            next_attempt_at = CASE WHEN ?9 AND ordering_key IS NOT NULL THEN NULL ELSE ?7 END,
                            ordering_key = CASE WHEN ?9 THEN ordering_key END,
                            attempts_allowed = max(attempts_allowed, attempts + 1), manual_retries = manual_retries + 1
                        WHERE rowid IN (
                            SELECT rowid FROM deliveries INDEXED BY deliveries_by_endpoint WHERE \(eligible)
                            ORDER BY created_at, rowid DESC LIMIT ?8
                        )
                        RETURNING created_at, rowid AS log_sequence, ordering_key
                        """,
                    arguments: arguments + [now, batch, keyed]
                )
                let lines = Dictionary(grouping: rows.compactMap { $0["ordering_key"] as String? }, by: { $0 })
                for (key, rejoining) in lines.sorted(by: { $0.key < $1.key }) {
                    try Self.rejoinLine(
                        db,
                        endpointID: endpointID,
                        appID: appID,
                        key: key,
                        count: rejoining.count,
                        now: now
                    )
                }
                if !rows.isEmpty {
                    try Self.markEndpointReady(db, endpointID: endpointID, appID: appID, at: now)
                }
                return rows.map { row in
                    (createdAt: row["created_at"] as UnixMillis, sequence: row["log_sequence"] as Int64)
                }
            }
            queued += places.count
            // The batch's last place in that order: the latest creation, and of those the first written.
            let last = places.max {
                $0.createdAt == $1.createdAt ? $0.sequence > $1.sequence : $0.createdAt < $1.createdAt
            }
            guard let last, places.count == batch else { return RecoveryOutcome(queued: queued, hasMore: false) }
            after = last
        }
        let arguments: StatementArguments = [
            endpointID, appID, maximumManualRetries, window.upperBound, after.createdAt, after.sequence,
        ]
        let more = try await pool.read { db in
            try Bool.fetchOne(
                db,
                sql: "SELECT EXISTS (SELECT 1 FROM deliveries INDEXED BY deliveries_by_endpoint WHERE \(eligible))",
                arguments: arguments
            )
        }
        return RecoveryOutcome(queued: queued, hasMore: more == true)
    }

    public func attemptHours(
        appID: AppID,
        endpointID: EndpointID,
        from start: UnixMillis,
        hours: Int
    ) async throws -> [AttemptHour]? {
        try await pool.read { db -> [AttemptHour]? in
            guard try Self.findVisibleEndpoint(db, appID: appID, id: endpointID) != nil else { return nil }
            return try Row.fetchAll(
                db,
                sql: AttemptHoursQuery.sql(
                    .init(
                        start: ":start",
                        end: ":end",
                        hourLength: ":hour",
                        endpointID: ":endpointID",
                        appID: ":appID",
                        createdSince: ":createdSince"
                    )
                ),
                arguments: [
                    "start": start, "end": start + .seconds(3_600 * hours), "hour": 3_600_000,
                    "endpointID": endpointID, "appID": appID, "createdSince": start - .seconds(86_400),
                ]
            ).map { row in
                AttemptHour(
                    start: start + .milliseconds(row["hour"] as Int64 * 3_600_000),
                    succeeded: row["succeeded"],
                    failed: row["failed"],
                    latencyP50: .milliseconds(row["p50"] as Int64),
                    latencyP95: .milliseconds(row["p95"] as Int64)
                )
            }
        }
    }

    /// The JSON array the `events` column holds; `nil` (every event) stays NULL.
    static func eventsJSON(_ events: [String]?) throws -> String? {
        try events.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
    }

    static func storedEndpoint(from row: Row) throws -> Endpoint {
        guard let format = Endpoint.Format(rawValue: row["format"]),
            let signingScheme = Endpoint.SigningScheme(rawValue: row["signing_scheme"]),
            let ordering = EndpointOrdering(rawValue: row["ordering"]),
            let status = EndpointStatus(rawValue: row["status"])
        else { throw StoreError.corruptRow(table: "webhook_endpoints") }
        let events: [String]?
        do {
            events = try (row["events"] as String?).map {
                try JSONDecoder().decode([String].self, from: Data($0.utf8))
            }
        } catch {
            throw StoreError.corruptRow(table: "webhook_endpoints")
        }
        return Endpoint(
            id: row["id"],
            appID: row["app_id"],
            format: format,
            signingScheme: signingScheme,
            publicKeysToken: row["public_keys_token"],
            ordering: ordering,
            url: row["url"],
            description: row["description"],
            events: events,
            sealedHeaders: (row["sealed_headers"] as Data?).map(Array.init),
            rateLimit: row["rate_limit"],
            status: status,
            disabledReason: (row["disabled_reason"] as String?).flatMap(EndpointDisabledReason.init(rawValue:)),
            secretPrefix: row["secret_prefix"],
            sealedSecret: (row["sealed_secret"] as Data?).map(Array.init),
            secretVersion: row["secret_version"],
            previousSealedSecret: (row["previous_sealed_secret"] as Data?).map(Array.init),
            previousSecretUntil: row["previous_secret_until"],
            failureCount: row["failure_count"],
            failingSince: row["failing_since"],
            lastDeliveryAt: row["last_delivery_at"],
            lastDeliveryStatus: row["last_delivery_status"],
            totalDeliveries: row["total_deliveries"],
            totalFailures: row["total_failures"],
            createdAt: row["created_at"],
            updatedAt: row["updated_at"]
        )
    }
}
