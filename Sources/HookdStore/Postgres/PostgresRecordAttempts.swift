import HookdCore
import PostgresNIO

/// The statement that records a batch of attempts (``PostgresStore/completeAttempts(_:)``), prepared once per
/// connection and run in the dispatcher's pool (``PostgresStore/withPlannedOnceConnection(_:)``).
///
/// The completions travel as arrays (`$1`…`$15`, one element per attempt) and are unnested on the server, so a
/// batch costs one round trip and one commit. An attempt is recorded only while its lease holds; in the same
/// statement its endpoint's health is counted, and a v3.20 endpoint that answered 410, or whose attempts have all
/// failed since before the completion's limit, is disabled, or, since before the warning's limit, warned about once
/// (SPEC §14). It answers the id of each delivery recorded (`recorded`), one row for each endpoint it disabled or
/// warned about (`disabled`, `failing`), and one for each delivery that failed its last attempt (`exhausted`).
///
/// Endpoint rows are locked in id order, so batches from several nodes cannot wait on each other in a cycle; the
/// statement takes no queue row (its releases are appended to `lease_releases`), so it never waits for a claimer.
/// Statuses are written into the text from constants (the generic plan sees them), never bound.
struct PostgresRecordAttempts: PostgresRowStatement {
    // Arrays cannot hold NULL through postgres-nio's encoders, so absent values travel as -1 or "".
    static let sql = """
        WITH input AS (
            SELECT * FROM unnest(
                $1::text[], $2::text[],
                $3::text[],
                $4::bigint[],
                $5::bigint[],
                $6::bigint[],
                $7::bigint[],
                $8::bigint[],
                $9::text[],
                $10::bytea[],
                $11::bigint[],
                $12::boolean[],
                $13::bigint[],
                $14::text[],
                $15::bigint[]
            ) AS i(delivery_id, lease_id, status, number, next_attempt_at, started_at, latency_ms, http_status,
                   error, response_body, secret_version, allows_another_attempt, failing_limit,
                   request_headers, warning_limit)
        ), updated AS (
            UPDATE deliveries AS d
            SET status = i.status, attempts = i.number, next_attempt_at = NULLIF(i.next_attempt_at, -1),
                locked_until = NULL, lease_id = NULL, last_attempt_at = i.started_at,
                last_http_status = NULLIF(i.http_status, -1)::integer,
                attempts_allowed = d.attempts_allowed + CASE WHEN i.allows_another_attempt THEN 1 ELSE 0 END
            FROM input i
            -- `d.id = ANY($1)` repeats the join so that the plan made once finds the rows by id, whatever the
            -- statistics (without it, the plan made on an empty schema read every leased row).
            WHERE d.id = i.delivery_id AND d.lease_id = i.lease_id AND d.id = ANY($1::text[])
            RETURNING d.id, d.app_id, d.endpoint_id, d.status, d.next_attempt_at, d.event_id, d.event, d.is_test,
                      d.ordering_key
        ), settled_in_line AS (
            -- SPEC §15: keyed deliveries that succeeded or failed their last attempt leave their lines (locked in
            -- key order, as publishes lock them); a line with more unsettled lets its first waiting one go at the
            -- next claim's fold, which sees every delivery published into it before this record.
            SELECT endpoint_id, app_id, ordering_key, count(*)::integer AS settled FROM updated
            WHERE ordering_key IS NOT NULL AND status <> '\(DeliveryStatus.pending.rawValue)'
            GROUP BY endpoint_id, app_id, ordering_key
        ), line_locked AS (
            SELECT o.endpoint_id, o.ordering_key FROM ordering_lines o
            WHERE (o.endpoint_id, o.ordering_key) IN (SELECT endpoint_id, ordering_key FROM settled_in_line)
            ORDER BY o.endpoint_id, o.ordering_key FOR UPDATE
        ), line_left AS (
            UPDATE ordering_lines AS o SET unsettled = o.unsettled - s.settled
            FROM settled_in_line s
            WHERE o.endpoint_id = s.endpoint_id AND o.ordering_key = s.ordering_key
              AND (o.endpoint_id, o.ordering_key) IN (SELECT endpoint_id, ordering_key FROM line_locked)
            RETURNING o.endpoint_id, s.app_id, o.ordering_key, o.unsettled
        ), line_release AS (
            INSERT INTO line_releases (endpoint_id, app_id, ordering_key)
            SELECT endpoint_id, app_id, ordering_key FROM line_left WHERE unsettled > 0
        ), line_woken AS (
            -- So that a dispatcher with nothing else due looks again, and its fold lets the waiting one go.
            INSERT INTO queue_wakeups (app_id, endpoint_id, due_at)
            SELECT DISTINCT app_id, endpoint_id, (SELECT min(i.started_at) FROM input i) FROM line_left
            WHERE unsettled > 0
        ), released AS (
            -- Each delivery recorded gave its lease back: appended, for the next claim to fold.
            INSERT INTO lease_releases (endpoint_id, app_id, released)
            SELECT endpoint_id, app_id, count(*) FROM updated GROUP BY endpoint_id, app_id
        ), woken AS (
            INSERT INTO queue_wakeups (app_id, endpoint_id, due_at)
            SELECT app_id, endpoint_id, min(next_attempt_at) FROM updated
            WHERE status = '\(DeliveryStatus.pending.rawValue)'
            GROUP BY app_id, endpoint_id
        ), attempt AS (
            INSERT INTO delivery_attempts
                (delivery_id, number, started_at, latency_ms, http_status, error, response_body, secret_version,
                 request_headers)
            SELECT i.delivery_id, i.number, i.started_at, i.latency_ms, NULLIF(i.http_status, -1)::integer,
                   NULLIF(i.error, ''), i.response_body, i.secret_version, i.request_headers
            FROM input i JOIN updated u ON u.id = i.delivery_id
            ON CONFLICT (delivery_id, number) DO NOTHING
        ), counted AS (
            -- The attempts that count against their endpoint: not those hookd itself cut short.
            SELECT u.endpoint_id, i.status = '\(DeliveryStatus.succeeded.rawValue)' AS ok, i.started_at AS at,
                   i.http_status = 410 AS gone, i.failing_limit, i.warning_limit
            FROM updated u JOIN input i ON i.delivery_id = u.id
            WHERE NOT i.allows_another_attempt
        ), summed AS (
            SELECT endpoint_id, count(*) AS attempts, count(*) FILTER (WHERE NOT ok) AS failures,
                   max(at) AS last_at, (array_agg(ok ORDER BY at DESC))[1] AS last_ok,
                   max(at) FILTER (WHERE ok) AS last_success_at, bool_or(gone) AS gone,
                   max(failing_limit) AS failing_limit, max(warning_limit) AS warning_limit
            FROM counted GROUP BY endpoint_id
        ), locked AS (
            SELECT w.id, w.status, w.format, w.deleted_at, w.failure_count, w.failing_since, w.failing_warned_at
            FROM webhook_endpoints w
            WHERE w.id IN (SELECT endpoint_id FROM summed) ORDER BY w.id FOR UPDATE
        ), planned AS (
            SELECT s.*, l.status AS old_status,
                   CASE WHEN s.last_success_at IS NULL THEN l.failure_count + s.failures
                   ELSE (SELECT count(*) FROM counted f
                         WHERE f.endpoint_id = s.endpoint_id AND NOT f.ok AND f.at > s.last_success_at)
                   END AS failure_count,
                   CASE WHEN s.last_success_at IS NULL
                        THEN COALESCE(l.failing_since,
                                      (SELECT min(f.at) FROM counted f WHERE f.endpoint_id = s.endpoint_id))
                   ELSE (SELECT min(f.at) FROM counted f
                         WHERE f.endpoint_id = s.endpoint_id AND NOT f.ok AND f.at > s.last_success_at)
                   END AS failing_since,
                   l.format = 'V3_20' AND l.status = '\(EndpointStatus.active.rawValue)' AND l.deleted_at IS NULL
                   AS may_disable,
                   -- A success in the batch ended the run that was warned about.
                   CASE WHEN s.last_success_at IS NULL THEN l.failing_warned_at END AS warned_at
            FROM summed s JOIN locked l ON l.id = s.endpoint_id
        ), judged AS (
            SELECT p.*,
                   p.may_disable AND (p.gone OR (p.failing_limit >= 0 AND p.failing_since IS NOT NULL
                                                 AND p.failing_since <= p.failing_limit)) AS disable
            FROM planned p
        ), warned AS (
            SELECT j.*,
                   NOT j.disable AND j.may_disable AND j.warned_at IS NULL AND j.warning_limit >= 0
                   AND j.failing_since IS NOT NULL AND j.failing_since <= j.warning_limit AS warn
            FROM judged j
        ), health AS (
            UPDATE webhook_endpoints AS w SET
                total_deliveries = w.total_deliveries + j.attempts,
                total_failures = w.total_failures + j.failures,
                last_delivery_at = GREATEST(COALESCE(w.last_delivery_at, j.last_at), j.last_at),
                last_delivery_status = CASE WHEN j.last_ok THEN 'SUCCEEDED' ELSE 'FAILED' END,
                failure_count = j.failure_count, failing_since = j.failing_since,
                failing_warned_at = CASE WHEN j.warn THEN j.last_at ELSE j.warned_at END,
                status = CASE WHEN j.disable THEN '\(EndpointStatus.disabled.rawValue)' ELSE w.status END,
                disabled_reason = CASE WHEN NOT j.disable THEN w.disabled_reason
                                  WHEN j.gone THEN '\(EndpointDisabledReason.gone.rawValue)'
                                  ELSE '\(EndpointDisabledReason.failing.rawValue)' END
            FROM warned j
            WHERE w.id = j.endpoint_id
            RETURNING w.id, w.app_id, w.url, w.disabled_reason, w.failing_since, j.last_at, j.disable, j.warn
        )
        SELECT 'recorded' AS kind, id AS delivery_id, NULL::text AS endpoint_id, NULL::text AS app_id,
               NULL::text AS url, NULL::text AS reason, NULL::bigint AS at, NULL::bigint AS failing_since,
               NULL::text AS event_id, NULL::text AS event, NULL::bigint AS number, NULL::bigint AS http_status,
               NULL::text AS error
        FROM updated
        UNION ALL
        SELECT CASE WHEN disable THEN 'disabled' ELSE 'failing' END, NULL, id, app_id, url, disabled_reason,
               last_at, failing_since, NULL, NULL, NULL, NULL, NULL
        FROM health WHERE disable OR warn
        UNION ALL
        -- The deliveries that failed their last attempt (not tests, and not the operational events themselves).
        SELECT 'exhausted', u.id, u.endpoint_id, u.app_id, w.url, NULL, i.started_at, NULL, u.event_id, u.event,
               i.number, NULLIF(i.http_status, -1), NULLIF(i.error, '')
        FROM updated u JOIN input i ON i.delivery_id = u.id JOIN webhook_endpoints w ON w.id = u.endpoint_id
        WHERE u.status = '\(DeliveryStatus.failed.rawValue)' AND NOT u.is_test
          AND u.event NOT IN (\(operationalEventNames))
        """

    /// The operational events' names as SQL literals (constants of the catalogue, never data).
    private static let operationalEventNames = EventCatalogue.operationalEvents.map { "'\($0.name)'" }
        .joined(separator: ", ")

    var completions: [AttemptCompletion]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 15)
        bindings.append(completions.map(\.deliveryID))
        bindings.append(completions.map(\.leaseID))
        bindings.append(completions.map(\.status.rawValue))
        bindings.append(completions.map { Int64($0.attempt.number) })
        bindings.append(completions.map { $0.nextAttemptAt?.rawValue ?? -1 })
        bindings.append(completions.map(\.attempt.startedAt))
        bindings.append(completions.map(\.attempt.latency.wholeMilliseconds))
        bindings.append(completions.map { Int64($0.attempt.httpStatus ?? -1) })
        bindings.append(completions.map { $0.attempt.error ?? "" })
        bindings.append(completions.map { ByteBuffer(bytes: $0.attempt.responseBody) })
        bindings.append(completions.map(\.secretVersion))
        bindings.append(completions.map(\.allowsAnotherAttempt))
        bindings.append(completions.map { $0.endpointFailingLimit?.rawValue ?? -1 })
        bindings.append(completions.map { SentHeader.lines($0.attempt.requestHeaders) })
        bindings.append(completions.map { $0.endpointWarningLimit?.rawValue ?? -1 })
        return bindings
    }
}
