public import HookdCore
import PostgresNIO

extension PostgresStore: EndpointStore {
    /// The columns ``endpoint(from:)`` reads. A constant list of column names, never data: values are always bound.
    static let endpointColumns = """
        id, app_id, format, signing_scheme, public_keys_token, ordering, url, description, events, sealed_headers, rate_limit, status, disabled_reason, \
        secret_prefix, sealed_secret, secret_version, previous_sealed_secret, previous_secret_until, failure_count, \
        failing_since, last_delivery_at, last_delivery_status, total_deliveries, total_failures, created_at, updated_at
        """

    /// What the v3.20 routes see: not deleted, and (for the app's v3 URL) configured.
    static let visibleEndpoint = "deleted_at IS NULL AND url IS NOT NULL"

    public func createEndpoint(_ endpoint: Endpoint, secret: SealedSecretChange, limit: Int) async throws -> Bool {
        try await withTransaction { [logger] connection in
            // Creations for one app queue on its row, so each counts, in a statement that starts after the lock is
            // held, every endpoint the ones before it created.
            try await connection.query("SELECT 1 FROM apps WHERE id = \(endpoint.appID) FOR UPDATE", logger: logger)
                .consume()
            let created = try await connection.query(
                """
                WITH created AS (
                    INSERT INTO webhook_endpoints
                        (id, app_id, format, signing_scheme, public_keys_token, url, description, events,
                         sealed_headers, rate_limit, status, secret_prefix, sealed_secret, secret_version, created_at,
                         updated_at, ordering)
                    SELECT \(endpoint.id), \(endpoint.appID), \(endpoint.format.rawValue),
                           \(endpoint.signingScheme.rawValue), \(endpoint.publicKeysToken)::text, \(endpoint.url),
                           \(endpoint.description), \(endpoint.events)::text[],
                           \(endpoint.sealedHeaders.map { ByteBuffer(bytes: $0) })::bytea,
                           \(endpoint.rateLimit)::integer, \(endpoint.status.rawValue), \(endpoint.secretPrefix),
                           \(ByteBuffer(bytes: secret.sealedSecret)), \(endpoint.secretVersion), \(endpoint.createdAt),
                           \(endpoint.updatedAt), \(endpoint.ordering.rawValue)
                    WHERE (SELECT count(*) FROM webhook_endpoints
                           WHERE app_id = \(endpoint.appID) AND deleted_at IS NULL AND format = 'V3_20') < \(limit)
                    RETURNING app_id, secret_version
                )
                INSERT INTO secret_audit (app_id, action, secret_version, fingerprint, request_id, client_address, at)
                SELECT app_id, \(SecretAuditRecord.Action.created.rawValue), secret_version, \(secret.fingerprint),
                       \(secret.requestID), \(secret.clientAddress)::text, \(endpoint.createdAt)
                FROM created
                RETURNING 1
                """,
                logger: logger
            ).collect()
            return !created.isEmpty
        }
    }

    public func endpoints(appID: AppID, limit: Int, offset: Int) async throws -> (items: [Endpoint], total: Int) {
        try await withReadSnapshot { [logger] connection in
            let counted = try await connection.query(
                "SELECT count(*) FROM webhook_endpoints WHERE app_id = \(appID) AND \(unescaped: Self.visibleEndpoint)",
                logger: logger
            ).collect()
            let page = try await connection.query(
                """
                SELECT \(unescaped: Self.endpointColumns) FROM webhook_endpoints
                WHERE app_id = \(appID) AND \(unescaped: Self.visibleEndpoint)
                ORDER BY seq LIMIT \(limit) OFFSET \(offset)
                """,
                logger: logger
            ).collect()
            return (try page.map(Self.storedEndpoint(from:)), try counted.first?.decode(Int.self) ?? 0)
        }
    }

    public func endpoint(publicKeysToken: String) async throws -> Endpoint? {
        // The partial unique index on the token finds the row; `visibleEndpoint` leaves deleted endpoints out.
        try await rows(
            """
            SELECT \(unescaped: Self.endpointColumns) FROM webhook_endpoints
            WHERE public_keys_token = \(publicKeysToken) AND \(unescaped: Self.visibleEndpoint)
            """
        ).first.map(Self.storedEndpoint(from:))
    }

    public func endpoint(appID: AppID, id: EndpointID) async throws -> Endpoint? {
        try await rows(
            """
            SELECT \(unescaped: Self.endpointColumns) FROM webhook_endpoints
            WHERE app_id = \(appID) AND id = \(id) AND \(unescaped: Self.visibleEndpoint)
            """
        ).first.map(Self.storedEndpoint(from:))
    }

    public func updateEndpoint(
        appID: AppID,
        id: EndpointID,
        _ change: EndpointChange,
        now: UnixSeconds
    ) async throws -> Endpoint? {
        // One statement: the fields sent change, the others keep their value. Enabling makes the deliveries that
        // waited for the endpoint due now (a wakeup, and the dispatchers hear of it at commit). The row is locked
        // before it is read, so of two calls enabling a disabled endpoint one alone sees it disabled, and it alone
        // tells the app (SPEC §14), in the same transaction.
        try await withTransaction { [logger] connection in
            let rows = try await connection.query(
                """
                WITH before AS (
                    SELECT id AS before_id, status AS old_status, ordering AS old_ordering FROM webhook_endpoints
                    WHERE app_id = \(appID) AND id = \(id) AND \(unescaped: Self.visibleEndpoint)
                    FOR UPDATE
                ), updated AS (
                    UPDATE webhook_endpoints SET
                        url = COALESCE(\(change.url)::text, url),
                        description = COALESCE(\(change.description)::text, description),
                        events = CASE WHEN \(change.events != nil) THEN \(change.events)::text[] ELSE events END,
                        sealed_headers = CASE WHEN \(change.sealedHeaders != nil)
                                         THEN \((change.sealedHeaders ?? nil).map { ByteBuffer(bytes: $0) })::bytea
                                         ELSE sealed_headers END,
                        rate_limit = CASE WHEN \(change.rateLimit != nil) THEN \(change.rateLimit ?? nil)::integer
                                     ELSE rate_limit END,
                        ordering = COALESCE(\(change.ordering?.rawValue)::text, ordering),
                        status = CASE WHEN \(change.enabled)::boolean IS NULL THEN status
                                 WHEN \(change.enabled)::boolean THEN \(EndpointStatus.active.rawValue)
                                 ELSE \(EndpointStatus.disabled.rawValue) END,
                        disabled_reason = CASE WHEN \(change.enabled)::boolean IS NULL THEN disabled_reason
                                          WHEN \(change.enabled)::boolean THEN NULL
                                          ELSE COALESCE(disabled_reason, \(EndpointDisabledReason.manual.rawValue))
                                          END,
                        failure_count = CASE WHEN \(change.enabled)::boolean THEN 0 ELSE failure_count END,
                        failing_since = CASE WHEN \(change.enabled)::boolean THEN NULL ELSE failing_since END,
                        failing_warned_at = CASE WHEN \(change.enabled)::boolean THEN NULL ELSE failing_warned_at END,
                        updated_at = \(now)
                    FROM before b
                    WHERE id = b.before_id
                    RETURNING \(unescaped: Self.endpointColumns), b.old_status, b.old_ordering
                ), due AS (
                    UPDATE deliveries SET next_attempt_at = LEAST(next_attempt_at, \(UnixMillis(now)))
                    WHERE \(change.enabled == true) AND endpoint_id IN (SELECT id FROM updated)
                      AND status = \(DeliveryStatus.pending.rawValue) AND lease_id IS NULL
                      AND next_attempt_at IS NOT NULL
                ), woken AS (
                    INSERT INTO queue_wakeups (app_id, endpoint_id, due_at)
                    SELECT app_id, id, \(UnixMillis(now)) FROM updated WHERE status = \(EndpointStatus.active.rawValue)
                )
                SELECT *, pg_notify(\(Self.publishChannel), '') AS announced FROM updated
                """,
                logger: logger
            ).collect()
            guard let row = rows.first else { return nil }
            let endpoint = try Self.storedEndpoint(from: row)
            if endpoint.ordering == .none,
                try row.makeRandomAccess().decode("old_ordering", as: String.self) == EndpointOrdering.keyed.rawValue
            {
                try await Self.dissolveLines(
                    endpointID: id,
                    appID: appID,
                    now: UnixMillis(now),
                    on: connection,
                    logger: logger
                )
            }
            if endpoint.status == .active,
                try row.makeRandomAccess().decode("old_status", as: String.self) == EndpointStatus.disabled.rawValue
            {
                let enabled = OperationalNotice(
                    appID: appID,
                    endpointID: id,
                    url: endpoint.url,
                    kind: .endpointEnabled,
                    at: UnixMillis(now)
                )
                try await Self.insertNotices(
                    [enabled],
                    attemptsAllowed: change.noticeAttemptsAllowed,
                    now: UnixMillis(now),
                    on: connection,
                    logger: logger
                )
            }
            return endpoint
        }
    }

    public func deleteEndpoint(appID: AppID, id: EndpointID, now: UnixSeconds) async throws -> Bool {
        // Its pending deliveries are cancelled, leased ones too: an attempt in flight then finds its lease gone and
        // is not recorded, so nothing is ever due again for an endpoint that is no more.
        try await !rows(
            """
            WITH gone AS (
                UPDATE webhook_endpoints SET deleted_at = \(now), updated_at = \(now)
                WHERE app_id = \(appID) AND id = \(id) AND \(unescaped: Self.visibleEndpoint)
                RETURNING id
            ), cancelled AS (
                UPDATE deliveries SET status = \(DeliveryStatus.cancelled.rawValue), next_attempt_at = NULL,
                                      locked_until = NULL, lease_id = NULL
                WHERE endpoint_id IN (SELECT id FROM gone) AND status = \(DeliveryStatus.pending.rawValue)
            ), released AS (
                -- The leases cancelled, as the statement found them: given back for the next claim to fold.
                INSERT INTO lease_releases (endpoint_id, app_id, released)
                SELECT endpoint_id, app_id, count(*) FROM deliveries
                WHERE endpoint_id IN (SELECT id FROM gone) AND status = \(DeliveryStatus.pending.rawValue)
                  AND lease_id IS NOT NULL
                GROUP BY endpoint_id, app_id
            ), lines AS (
                DELETE FROM ordering_lines WHERE endpoint_id IN (SELECT id FROM gone)
            )
            SELECT id FROM gone
            """
        ).isEmpty
    }

    public func rotateEndpointSecret(
        appID: AppID,
        id: EndpointID,
        change: SealedSecretChange,
        secretPrefix: String,
        overlapUntil: UnixMillis?,
        now: UnixSeconds
    ) async throws -> Endpoint? {
        try await rows(
            """
            WITH rotated AS (
                UPDATE webhook_endpoints SET
                    previous_sealed_secret = CASE WHEN \(overlapUntil)::bigint IS NULL THEN NULL ELSE sealed_secret END,
                    previous_secret_until = \(overlapUntil)::bigint,
                    sealed_secret = \(ByteBuffer(bytes: change.sealedSecret)), secret_prefix = \(secretPrefix),
                    secret_version = secret_version + 1, updated_at = \(now)
                WHERE app_id = \(appID) AND id = \(id) AND \(unescaped: Self.visibleEndpoint)
                RETURNING \(unescaped: Self.endpointColumns)
            ), audit AS (
                INSERT INTO secret_audit (app_id, action, secret_version, fingerprint, request_id, client_address, at)
                SELECT app_id, \(SecretAuditRecord.Action.regenerated.rawValue), secret_version, \(change.fingerprint),
                       \(change.requestID), \(change.clientAddress)::text, \(now)
                FROM rotated
            )
            SELECT * FROM rotated
            """
        ).first.map(Self.storedEndpoint(from:))
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
        // Oldest first, from a place that only moves on: a delivery that fails again during the call is not queued
        // twice by it. Each batch is one statement, so its row locks are held only while it runs.
        var after = (createdAt: window.lowerBound.rawValue, sequence: Int64.min)
        var queued = 0
        while queued < limit {
            let batch = min(Self.recoveryBatchSize, limit - queued)
            let row = try await rows(
                """
                WITH picked AS (
                    SELECT d.id, d.created_at, d.seq FROM deliveries d
                    WHERE d.endpoint_id = \(endpointID) AND d.app_id = \(appID)
                      AND d.status = \(DeliveryStatus.failed.rawValue) AND d.manual_retries < \(maximumManualRetries)
                      AND d.created_at < \(window.upperBound) AND (d.created_at, d.seq) > (\(after.createdAt), \(after.sequence))
                      AND EXISTS (
                          SELECT 1 FROM webhook_endpoints
                          WHERE app_id = \(appID) AND id = \(endpointID) AND \(unescaped: Self.visibleEndpoint)
                      )
                    ORDER BY d.created_at, d.seq LIMIT \(batch)
                    FOR UPDATE OF d
                ), keeps_order AS (
                    -- Keyed deliveries join their lines again, waiting, if the endpoint still keeps order (SPEC §15).
                    SELECT ordering = \(EndpointOrdering.keyed.rawValue) AS keyed FROM webhook_endpoints
                    WHERE id = \(endpointID)
                ), requeued AS (
                    UPDATE deliveries AS d
                    SET status = \(DeliveryStatus.pending.rawValue),
                        next_attempt_at = CASE WHEN k.keyed AND d.ordering_key IS NOT NULL THEN NULL ELSE \(now) END,
                        ordering_key = CASE WHEN k.keyed THEN d.ordering_key END,
                        attempts_allowed = GREATEST(attempts_allowed, attempts + 1), manual_retries = manual_retries + 1
                    FROM picked, keeps_order k WHERE d.id = picked.id
                    RETURNING d.app_id, d.endpoint_id, d.ordering_key, d.ordering_key IS NOT NULL AS rejoins
                ), \(unescaped: Self.rejoinLines), woken AS (
                    INSERT INTO queue_wakeups (app_id, endpoint_id, due_at)
                    SELECT DISTINCT app_id, endpoint_id, \(now) FROM requeued
                ), last AS (
                    SELECT created_at, seq FROM picked ORDER BY created_at DESC, seq DESC LIMIT 1
                )
                SELECT (SELECT count(*) FROM requeued), (SELECT created_at FROM last), (SELECT seq FROM last),
                       pg_notify(\(Self.publishChannel), '') AS announced
                """
            ).first
            let (count, lastCreatedAt, lastSequence) = try row?.decode((Int, Int64?, Int64?).self) ?? (0, nil, nil)
            queued += count
            guard let lastCreatedAt, let lastSequence, count == batch else {
                return RecoveryOutcome(queued: queued, hasMore: false)
            }
            after = (lastCreatedAt, lastSequence)
        }
        let more = try await rows(
            """
            SELECT 1 FROM deliveries d
            WHERE d.endpoint_id = \(endpointID) AND d.app_id = \(appID)
              AND d.status = \(DeliveryStatus.failed.rawValue) AND d.manual_retries < \(maximumManualRetries)
              AND d.created_at < \(window.upperBound) AND (d.created_at, d.seq) > (\(after.createdAt), \(after.sequence))
            LIMIT 1
            """
        )
        return RecoveryOutcome(queued: queued, hasMore: !more.isEmpty)
    }

    public func attemptHours(
        appID: AppID,
        endpointID: EndpointID,
        from start: UnixMillis,
        hours: Int
    ) async throws -> [AttemptHour]? {
        try await withReadSnapshot { [logger] connection -> [AttemptHour]? in
            let found = try await connection.query(
                """
                SELECT 1 FROM webhook_endpoints
                WHERE app_id = \(appID) AND id = \(endpointID) AND \(unescaped: Self.visibleEndpoint)
                """,
                logger: logger
            ).collect()
            guard !found.isEmpty else { return nil }
            let hour: Int64 = 3_600_000
            var binds = PostgresBindings()
            for value in [start.rawValue, (start + .seconds(3_600 * hours)).rawValue, hour] { binds.append(value) }
            binds.append(endpointID)
            binds.append(appID)
            binds.append((start - .seconds(86_400)).rawValue)
            let sql = AttemptHoursQuery.sql(
                .init(start: "$1", end: "$2", hourLength: "$3", endpointID: "$4", appID: "$5", createdSince: "$6")
            )
            return try await connection.query(
                PostgresQuery(unsafeSQL: sql, binds: binds),
                logger: logger
            ).collect().map { row in
                let (index, succeeded, failed, p50, p95) = try row.decode((Int64, Int64, Int64, Int64, Int64).self)
                return AttemptHour(
                    start: start + .milliseconds(index * hour),
                    succeeded: Int(succeeded),
                    failed: Int(failed),
                    latencyP50: .milliseconds(p50),
                    latencyP95: .milliseconds(p95)
                )
            }
        }
    }

    static func storedEndpoint(from row: PostgresRow) throws -> Endpoint {
        let row = row.makeRandomAccess()
        guard let format = Endpoint.Format(rawValue: try row.decode("format")),
            let signingScheme = Endpoint.SigningScheme(rawValue: try row.decode("signing_scheme")),
            let ordering = EndpointOrdering(rawValue: try row.decode("ordering")),
            let status = EndpointStatus(rawValue: try row.decode("status"))
        else { throw StoreError.corruptRow(table: "webhook_endpoints") }
        let reason = try row.decode("disabled_reason", as: String?.self)
        return Endpoint(
            id: try row.decode("id"),
            appID: try row.decode("app_id"),
            format: format,
            signingScheme: signingScheme,
            publicKeysToken: try row.decode("public_keys_token"),
            ordering: ordering,
            url: try row.decode("url"),
            description: try row.decode("description"),
            events: try row.decode("events"),
            sealedHeaders: try row.optionalBytes("sealed_headers"),
            rateLimit: try row.decode("rate_limit"),
            status: status,
            disabledReason: reason.flatMap(EndpointDisabledReason.init(rawValue:)),
            secretPrefix: try row.decode("secret_prefix"),
            sealedSecret: try row.optionalBytes("sealed_secret"),
            secretVersion: try row.decode("secret_version"),
            previousSealedSecret: try row.optionalBytes("previous_sealed_secret"),
            previousSecretUntil: try row.decode("previous_secret_until"),
            failureCount: try row.decode("failure_count"),
            failingSince: try row.decode("failing_since"),
            lastDeliveryAt: try row.decode("last_delivery_at"),
            lastDeliveryStatus: try row.decode("last_delivery_status"),
            totalDeliveries: try row.decode("total_deliveries"),
            totalFailures: try row.decode("total_failures"),
            createdAt: try row.decode("created_at"),
            updatedAt: try row.decode("updated_at")
        )
    }
}
