import GRDB
public import HookdCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
public import Foundation
#endif

extension SQLiteStore: DeliveryQueue {
    public func publish(
        _ event: NewEvent,
        attemptsAllowed: AttemptsAllowed,
        now: UnixMillis,
        lease: (id: LeaseID, until: UnixMillis)?
    ) async throws -> (deliveryID: DeliveryID, created: Bool) {
        try await pool.write { db in
            try Self.insert(event, attemptsAllowed: attemptsAllowed, now: now, lease: lease, db)
        }
    }

    public func publishAll(
        _ events: [NewEvent],
        attemptsAllowed: AttemptsAllowed,
        now: UnixMillis
    ) async throws -> [PublishOutcome] {
        try await pool.write { db in
            try events.map { event in
                try Self.insert(event, attemptsAllowed: attemptsAllowed, now: now, lease: nil, db)
            }
        }
    }

    /// Writes one event and a delivery for each endpoint that takes it, or nothing when the event exists already
    /// (the first one stands).
    ///
    /// - Returns: the first delivery's id ("" when no endpoint takes the event), and whether the event was new.
    static func insert(
        _ event: NewEvent,
        attemptsAllowed: AttemptsAllowed,
        now: UnixMillis,
        lease: (id: LeaseID, until: UnixMillis)?,
        _ db: Database
    ) throws -> PublishOutcome {
        try db.cachedStatement(
            sql: """
                INSERT INTO events (app_id, event_id, event, data, created_at, trace_parent) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (app_id, event_id) DO NOTHING
                """
        ).execute(
            arguments: [event.appID, event.eventID, event.event, Data(event.data), now, event.traceParent]
        )
        guard db.changesCount == 1 else {
            let existing = try DeliveryID.fetchOne(
                db,
                sql: "SELECT id FROM deliveries WHERE app_id = ? AND event_id = ? ORDER BY rowid LIMIT 1",
                arguments: [event.appID, event.eventID]
            )
            return (existing ?? DeliveryID(""), false)
        }
        var first: DeliveryID?
        let v3 = Identifiers.v3WebhookID(appID: event.appID)
        for (endpointID, ordering) in try targets(of: event, db) {
            let deliveryID = Identifiers.deliveryID()
            let attempts = endpointID == v3 ? attemptsAllowed.v3URL : attemptsAllowed.endpoint
            // A KEYED endpoint's delivery waits (no next attempt) while an earlier one of its key is unsettled.
            let key = ordering == .keyed && !event.isTest ? event.orderingKey?.rawValue : nil
            let waits = try key.map { try Self.joinLine(db, endpointID: endpointID, key: $0) > 0 } ?? false
            try db.cachedStatement(
                sql: """
                    INSERT INTO deliveries
                        (id, app_id, endpoint_id, event_id, event, status, attempts, attempts_allowed, next_attempt_at,
                         locked_until, lease_id, is_test, created_at, ordering_key)
                    VALUES (?, ?, ?, ?, ?, 'PENDING', 0, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: [
                    deliveryID, event.appID, endpointID, event.eventID, event.event, attempts, waits ? nil : now,
                    lease?.until, lease?.id, event.isTest, now, key,
                ]
            )
            if lease == nil, !waits {
                try Self.markEndpointReady(db, endpointID: endpointID, appID: event.appID, at: now)
            }
            first = first ?? deliveryID
        }
        return (first ?? DeliveryID(""), true)
    }

    /// The endpoints an event goes to (SPEC §11): the one it names (a test delivery), or every active v3.20
    /// endpoint subscribed to it but the one it is about (an operational event, SPEC §14), and (for the events with a v3 name) the app's v3 URL when it has one or the
    /// app has no v3.20 endpoint at all (so an app that has set nothing yet keeps its events until it does, as v3
    /// promises).
    private static func targets(of event: NewEvent, _ db: Database) throws -> [(EndpointID, EndpointOrdering)] {
        if let endpointID = event.endpointID { return [(endpointID, .none)] }
        let v3 = Identifiers.v3WebhookID(appID: event.appID)
        return try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT id, ordering FROM webhook_endpoints
                    WHERE app_id = ?1 AND format = 'V3_20' AND status = 'ACTIVE' AND \(visibleEndpoint)
                      AND EXISTS (SELECT 1 FROM json_each(events) WHERE value = ?2) AND id IS NOT ?5
                    UNION ALL
                    SELECT ?3, 'NONE' WHERE ?4
                      AND (EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = ?3 AND url IS NOT NULL)
                           OR NOT EXISTS (SELECT 1 FROM webhook_endpoints
                                          WHERE app_id = ?1 AND format = 'V3_20' AND deleted_at IS NULL))
                    """
            ),
            arguments: [
                event.appID, event.event, v3, EventCatalogue.reachesV3URL(event.event), event.excludedEndpointID,
            ]
        ).map { row in (row["id"], EndpointOrdering(rawValue: row["ordering"]) ?? .none) }
    }

    public func nextDueTime(caps: ClaimCaps) async throws -> UnixMillis? {
        try await pool.read { db in
            try UnixMillis.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT min(t) FROM (
                            SELECT CASE WHEN w.rate_limit IS NULL THEN q.ready_at
                                   ELSE max(q.ready_at, CAST(q.rate_tat - 1000 + 1000.0 / w.rate_limit + 0.999 AS INTEGER))
                                   END AS t
                            FROM delivery_queues q
                            JOIN webhook_endpoints w ON w.id = q.endpoint_id AND \(Self.sendable)
                            JOIN apps a ON a.id = q.app_id AND a.status = '\(AppStatus.active.rawValue)'
                            WHERE q.ready_at IS NOT NULL
                              AND (SELECT count(*) FROM deliveries l INDEXED BY deliveries_leased
                                   WHERE l.endpoint_id = q.endpoint_id AND l.lease_id IS NOT NULL) < ?1
                              AND (SELECT count(*) FROM deliveries l INDEXED BY deliveries_leased_by_app
                                   WHERE l.app_id = q.app_id AND l.lease_id IS NOT NULL) < ?2
                            UNION ALL
                            SELECT d.locked_until FROM deliveries d INDEXED BY deliveries_leased
                            JOIN webhook_endpoints w ON w.id = d.endpoint_id AND \(Self.sendable)
                            WHERE d.lease_id IS NOT NULL
                        )
                        """
                ),
                arguments: [caps.perEndpoint, caps.perApp]
            )
        }
    }

    public func sendingStates(endpointIDs: Set<EndpointID>) async throws -> [EndpointID: EndpointSendingState] {
        try await pool.read { db in
            var states: [EndpointID: EndpointSendingState] = [:]
            let read = try db.cachedStatement(
                sql: """
                    SELECT w.url, w.sealed_secret, w.secret_version, w.format, w.sealed_headers, w.previous_sealed_secret,
                           w.previous_secret_until, w.status, w.deleted_at, a.status AS app_status, a.business_id,
                           a.environment
                    FROM webhook_endpoints w JOIN apps a ON a.id = w.app_id
                    WHERE w.id = ?
                    """
            )
            for id in endpointIDs {
                guard let row = try Row.fetchOne(read, arguments: [id]) else {
                    states[id] = .gone
                    continue
                }
                states[id] = try Self.sendingState(from: row)
            }
            return states
        }
    }

    /// What an endpoint's row, joined to its app's (`app_status`, `business_id`, `environment`), allows now.
    private static func sendingState(from row: Row) throws -> EndpointSendingState {
        guard (row["deleted_at"] as Int64?) == nil else { return .gone }
        guard row["status"] == EndpointStatus.active.rawValue, row["app_status"] == AppStatus.active.rawValue,
            let url: String = row["url"], let sealedSecret = row["sealed_secret"] as Data?
        else { return .held }
        return .sendable(try Self.target(from: row, url: url, sealedSecret: sealedSecret))
    }

    /// Where, and signed how, a delivery goes by an endpoint's row joined to its app's (`business_id`,
    /// `environment`): claims and the check before an attempt read it alike.
    ///
    /// - Parameters:
    ///   - row: The endpoint's row, joined to its app's.
    ///   - url: The row's URL, which the caller has found set.
    ///   - sealedSecret: The row's sealed secret, which the caller has found set.
    /// - Throws: ``StoreError`` when the row's format or environment is not one hookd writes.
    static func target(from row: Row, url: String, sealedSecret: Data) throws -> DeliveryTarget {
        guard let format = Endpoint.Format(rawValue: row["format"]),
            let environment = AppEnvironment(rawValue: row["environment"])
        else { throw StoreError.corruptRow(table: "webhook_endpoints") }
        return DeliveryTarget(
            url: url,
            sealedSecret: Array(sealedSecret),
            secretVersion: row["secret_version"],
            format: format,
            sealedHeaders: (row["sealed_headers"] as Data?).map(Array.init),
            previousSealedSecret: (row["previous_sealed_secret"] as Data?).map(Array.init),
            previousSecretUntil: row["previous_secret_until"],
            businessID: row["business_id"],
            environment: environment
        )
    }

    public func releaseUnsent(_ claims: [ClaimedDelivery]) async throws {
        try await pool.write { db in
            let release = try db.cachedStatement(
                sql: """
                    UPDATE deliveries SET locked_until = NULL, lease_id = NULL
                    WHERE id = ? AND lease_id = ? AND status = 'PENDING'
                    RETURNING endpoint_id, app_id, next_attempt_at
                    """
            )
            for claim in claims {
                guard let row = try Row.fetchOne(release, arguments: [claim.id, claim.leaseID]) else { continue }
                try Self.markEndpointReady(
                    db,
                    endpointID: row["endpoint_id"],
                    appID: row["app_id"],
                    at: row["next_attempt_at"]
                )
            }
        }
    }

    public func releaseAllLeases() async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE deliveries INDEXED BY deliveries_leased SET locked_until = NULL, lease_id = NULL
                    WHERE lease_id IS NOT NULL
                    """
            )
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO delivery_queues (endpoint_id, app_id)
                    SELECT DISTINCT endpoint_id, app_id FROM deliveries WHERE status = 'PENDING';
                    UPDATE delivery_queues SET ready_at = (
                        SELECT min(next_attempt_at) FROM deliveries INDEXED BY deliveries_ready
                        WHERE endpoint_id = delivery_queues.endpoint_id AND status = 'PENDING' AND lease_id IS NULL);
                    """
            )
        }
    }

    public func dispatchersSharingQueue(id: DispatcherID, now: UnixMillis, aliveSince: UnixMillis) async throws -> Int {
        1
    }

    public func leaveQueue(dispatcherID id: DispatcherID) async throws {}

    public var isSharedAcrossProcesses: Bool { false }

    public func listenForPublishes(_ wake: @escaping @Sendable () -> Void) async throws {}
}
