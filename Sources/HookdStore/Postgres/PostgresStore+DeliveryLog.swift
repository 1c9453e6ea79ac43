public import HookdCore
import PostgresNIO

extension PostgresStore: DeliveryLog {
    public func deliveryPage(
        appID: AppID,
        filter: DeliveryFilter,
        limit: Int,
        from position: DeliveryLogPosition,
        countingUpTo countLimit: Int?
    ) async throws -> DeliveryPage {
        let (endpointID, status, event, eventID) = (
            filter.endpointID, filter.status?.rawValue, filter.event, filter.eventID
        )
        // A cursor reads from its place in the index on (created_at DESC, seq DESC); an offset walks past that many
        // rows first. Without a cursor the row comparison matches every row.
        let (offset, cursor): (Int, DeliveryCursor?) =
            switch position {
            case .offset(let offset): (offset, nil)
            case .after(let cursor): (0, cursor)
            }
        // The count and the page come from one snapshot, so they agree.
        return try await withReadSnapshot { [logger] connection in
            var total: Int?
            if let countLimit {
                // A count that stops at `countLimit` rows: its cost is bounded whatever the log holds.
                let counted = try await connection.query(
                    """
                    SELECT count(*) FROM (
                        SELECT 1 FROM deliveries d
                        WHERE app_id = \(appID) AND (\(endpointID)::text IS NULL OR endpoint_id = \(endpointID)::text)
                          AND (\(status)::text IS NULL OR status = \(status)::text)
                          AND (\(event)::text IS NULL OR event = \(event)::text)
                          AND (\(eventID)::text IS NULL OR event_id = \(eventID)::text)
                        LIMIT \(countLimit)
                    ) AS matching
                    """,
                    logger: logger
                ).collect()
                total = try counted.first.map { row in try row.decode(Int.self) } ?? 0
            }
            // One row past the page says whether there is more.
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.summaryColumns), d.seq FROM deliveries d
                WHERE app_id = \(appID) AND (\(endpointID)::text IS NULL OR endpoint_id = \(endpointID)::text)
                  AND (\(status)::text IS NULL OR status = \(status)::text)
                  AND (\(event)::text IS NULL OR event = \(event)::text)
                  AND (\(eventID)::text IS NULL OR event_id = \(eventID)::text)
                  AND (d.created_at, d.seq) < (\(cursor?.createdAt.rawValue ?? Int64.max), \(cursor?.sequence ?? Int64.max))
                ORDER BY d.created_at DESC, d.seq DESC
                LIMIT \(limit + 1) OFFSET \(offset)
                """,
                logger: logger
            ).collect()
            return try DeliveryPage(rows: rows, limit: limit, total: total, summary: Self.summary(from:)) { row in
                let row = row.makeRandomAccess()
                return DeliveryCursor(createdAt: try row.decode("created_at"), sequence: try row.decode("seq"))
            }
        }
    }

    public func delivery(appID: AppID, id: DeliveryID) async throws -> DeliveryDetail? {
        try await withReadSnapshot { [logger] connection in
            let found = try await connection.query(
                """
                SELECT \(unescaped: Self.summaryColumns), e.data FROM deliveries d
                JOIN events e ON e.app_id = d.app_id AND e.event_id = d.event_id
                WHERE d.id = \(id) AND d.app_id = \(appID)
                """,
                logger: logger
            ).collect()
            guard let row = found.first else { return nil }
            let summary = try Self.summary(from: row)
            let data = try row.makeRandomAccess().bytes("data")
            let attempts = try await connection.query(
                """
                SELECT a.number, a.started_at, a.latency_ms, a.http_status, a.error, a.response_body, a.request_headers
                FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
                WHERE a.delivery_id = \(id) AND d.app_id = \(appID)
                ORDER BY a.number
                """,
                logger: logger
            ).collect().map { row in
                let row = row.makeRandomAccess()
                return DeliveryAttempt(
                    number: try row.decode("number"),
                    startedAt: try row.decode("started_at"),
                    latency: .milliseconds(try row.decode("latency_ms", as: Int64.self)),
                    httpStatus: try row.decode("http_status"),
                    error: try row.decode("error"),
                    responseBody: try row.bytes("response_body"),
                    requestHeaders: SentHeader.parse(lines: try row.decode("request_headers"))
                )
            }
            return DeliveryDetail(summary: summary, data: data, attempts: attempts)
        }
    }

    public func requeueDelivery(
        appID: AppID,
        id: DeliveryID,
        now: UnixMillis,
        maximumManualRetries: Int
    ) async throws -> RequeueOutcome {
        let requeued = try await rows(
            """
            WITH old AS (
                -- A keyed delivery that had settled joins its line again, waiting, if its endpoint still keeps order
                -- (and leaves it, unkeyed, if not); one still in its line keeps its place (SPEC §15).
                SELECT d.id AS old_id, d.status <> \(DeliveryStatus.pending.rawValue) AS settled,
                       w.ordering = \(EndpointOrdering.keyed.rawValue) AS keyed
                FROM deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
                WHERE d.id = \(id) AND d.app_id = \(appID) AND d.manual_retries < \(maximumManualRetries)
                  AND d.status <> \(DeliveryStatus.cancelled.rawValue)
                FOR UPDATE OF d
            ), requeued AS (
                UPDATE deliveries AS d
                SET status = \(DeliveryStatus.pending.rawValue),
                    next_attempt_at = CASE WHEN d.ordering_key IS NOT NULL
                                            AND (o.settled AND o.keyed OR NOT o.settled AND d.next_attempt_at IS NULL)
                                      THEN NULL ELSE \(now) END,
                    ordering_key = CASE WHEN o.settled AND NOT o.keyed THEN NULL ELSE d.ordering_key END,
                    attempts_allowed = GREATEST(attempts_allowed, attempts + 1), manual_retries = manual_retries + 1
                FROM old o WHERE d.id = o.old_id
                RETURNING \(unescaped: Self.summaryColumns),
                          o.settled AND o.keyed AND d.ordering_key IS NOT NULL AS rejoins
            ), \(unescaped: Self.rejoinLines), woken AS (
                INSERT INTO queue_wakeups (app_id, endpoint_id, due_at) SELECT app_id, endpoint_id, \(now) FROM requeued
            )
            SELECT *, pg_notify(\(Self.publishChannel), '') AS announced FROM requeued
            """
        ).first.map(Self.summary(from:))
        if let requeued { return .requeued(requeued) }
        // A cancelled delivery's endpoint is gone: there is nothing to retry it to.
        let exists = try await !rows(
            """
            SELECT 1 FROM deliveries
            WHERE id = \(id) AND app_id = \(appID) AND status <> \(DeliveryStatus.cancelled.rawValue)
            """
        ).isEmpty
        return exists ? .limitReached : .notFound
    }

    /// The columns ``summary(from:)`` reads, qualified for queries that name the deliveries table `d`.
    ///
    /// A constant list of column names, never data: values are always bound.
    private static let summaryColumns = """
        d.id, d.app_id, d.endpoint_id, d.event_id, d.event, d.status, d.attempts, d.attempts_allowed, d.last_attempt_at, \
        d.next_attempt_at, d.last_http_status, d.is_test, d.created_at, d.ordering_key
        """

    private static func summary(from row: PostgresRow) throws -> DeliverySummary {
        let row = row.makeRandomAccess()
        guard let status = DeliveryStatus(rawValue: try row.decode("status")) else {
            throw StoreError.corruptRow(table: "deliveries")
        }
        return DeliverySummary(
            id: try row.decode("id"),
            appID: try row.decode("app_id"),
            endpointID: try row.decode("endpoint_id"),
            eventID: try row.decode("event_id"),
            event: try row.decode("event"),
            status: status,
            attempts: try row.decode("attempts"),
            attemptsAllowed: try row.decode("attempts_allowed"),
            lastAttemptAt: try row.decode("last_attempt_at"),
            nextAttemptAt: status == .pending ? try row.decode("next_attempt_at") : nil,
            lastHTTPStatus: try row.decode("last_http_status"),
            isTest: try row.decode("is_test"),
            createdAt: try row.decode("created_at"),
            orderingKey: try row.decode("ordering_key")
        )
    }
}
