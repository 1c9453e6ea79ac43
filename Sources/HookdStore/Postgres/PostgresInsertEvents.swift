import HookdCore
import PostgresNIO

/// The statement that writes new events and fans them out (``PostgresStore/publishAll(_:attemptsAllowed:now:)``,
/// and the notices an attempt record sends), prepared once per connection of the dispatcher's pool
/// (``PostgresStore/withPlannedOnceConnection(_:)``): planning it cost more than running it, on every publish.
///
/// Events are unnested on the server in `(app, eventId)` order, so two batches holding the same events cannot wait
/// on each other in a cycle, and the batch's notifications go out once, at commit. Each new event fans out to one
/// delivery per endpoint that takes it (SPEC §11): the one it names (a test delivery), or every active v3.20
/// endpoint subscribed to it (but the one an operational event is about, SPEC §14) and (for the events with a v3 name) the app's v3 URL when it has one or the app
/// has no v3.20 endpoint at all (so an app that has set nothing yet keeps its events until it does, as v3 promises).
/// An event that exists already changes nothing. It answers each new event's app, id and first delivery ("" when no
/// endpoint takes it).
struct PostgresInsertEvents: PostgresRowStatement {
    // Arrays cannot hold NULL through postgres-nio's encoders: no target is "", no endpoint excluded is "", and no
    // trace parent is "" (stored as NULL), and no ordering key is "".
    static let sql = """
        WITH input AS (
            SELECT * FROM unnest(
                $1::text[], $2::text[], $3::text[],
                $4::bytea[], $5::boolean[],
                $6::text[],
                $7::text[], $12::boolean[], $14::text[], $15::text[], $16::text[]
            ) WITH ORDINALITY
              AS i(app_id, event_id, event, data, is_test, target, v3_endpoint, reaches_v3, trace_parent, excluded,
                   ordering_key, ord)
        ), event AS (
            INSERT INTO events (app_id, event_id, event, data, created_at, trace_parent)
            SELECT app_id, event_id, event, data, $8, NULLIF(trace_parent, '') FROM input ORDER BY app_id, event_id
            ON CONFLICT (app_id, event_id) DO NOTHING
            RETURNING app_id, event_id, event
        ), fresh AS (
            SELECT e.app_id, e.event_id, e.event, i.is_test, i.target, i.v3_endpoint, i.reaches_v3, i.excluded,
                   i.ordering_key, i.ord
            FROM event e JOIN input i ON i.app_id = e.app_id AND i.event_id = e.event_id
        ), target AS (
            SELECT f.*, f.target AS endpoint_id, false AS keyed FROM fresh f WHERE f.target <> ''
            UNION ALL
            SELECT f.*, w.id, w.ordering = 'KEYED' AND f.ordering_key <> '' AND NOT f.is_test FROM fresh f
            JOIN webhook_endpoints w ON w.app_id = f.app_id AND w.format = 'V3_20' AND w.status = 'ACTIVE'
             AND w.deleted_at IS NULL AND w.url IS NOT NULL AND f.event = ANY(w.events) AND w.id <> f.excluded
            WHERE f.target = ''
            UNION ALL
            SELECT f.*, f.v3_endpoint, false FROM fresh f
            WHERE f.target = '' AND f.reaches_v3
              AND (EXISTS (SELECT 1 FROM webhook_endpoints v WHERE v.id = f.v3_endpoint AND v.url IS NOT NULL)
                   OR NOT EXISTS (SELECT 1 FROM webhook_endpoints n
                                  WHERE n.app_id = f.app_id AND n.format = 'V3_20' AND n.deleted_at IS NULL))
        ), line AS (
            -- SPEC §15: a KEYED endpoint's deliveries that share a key, in the batch's order (`ord`).
            SELECT endpoint_id, ordering_key, count(*)::integer AS added FROM target WHERE keyed
            GROUP BY endpoint_id, ordering_key
        ), lined AS (
            -- Each line's row is locked in key order, and counts what is unsettled; the place taken after the lock
            -- follows every publish of the key before.
            INSERT INTO ordering_lines AS o (endpoint_id, ordering_key, unsettled)
            SELECT endpoint_id, ordering_key, added FROM line ORDER BY endpoint_id, ordering_key
            ON CONFLICT (endpoint_id, ordering_key) DO UPDATE SET unsettled = o.unsettled + excluded.unsettled
            RETURNING endpoint_id, ordering_key, unsettled
        ), place AS (
            SELECT l.endpoint_id, l.ordering_key, l.unsettled - n.added AS before,
                   nextval('delivery_ordering_seq') * 65536 AS base
            FROM lined l JOIN line n ON n.endpoint_id = l.endpoint_id AND n.ordering_key = l.ordering_key
        ), placed AS (
            SELECT t.*, p.base + t.line_rank AS ordering_seq, p.before > 0 OR t.line_rank > 1 AS waits
            FROM (SELECT t.*, row_number() OVER (PARTITION BY t.endpoint_id, t.ordering_key ORDER BY t.ord)
                              AS line_rank
                  FROM target t) t
            LEFT JOIN place p ON t.keyed AND p.endpoint_id = t.endpoint_id AND p.ordering_key = t.ordering_key
        ), delivery AS (
            INSERT INTO deliveries
                (id, app_id, endpoint_id, event_id, event, status, attempts, attempts_allowed, next_attempt_at,
                 locked_until, lease_id, is_test, created_at, ordering_key, ordering_seq)
            SELECT 'dlv_' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 24), t.app_id, t.endpoint_id,
                   t.event_id, t.event, '\(DeliveryStatus.pending.rawValue)', 0,
                   CASE WHEN t.endpoint_id = t.v3_endpoint THEN $9::bigint ELSE $13::bigint END,
                   CASE WHEN t.keyed AND t.waits THEN NULL ELSE $8 END,
                   $10::bigint, $11::text, t.is_test, $8,
                   CASE WHEN t.keyed THEN t.ordering_key END, CASE WHEN t.keyed THEN t.ordering_seq END
            FROM placed t
            ORDER BY t.app_id, t.event_id, t.endpoint_id
            RETURNING id, app_id, endpoint_id, event_id, lease_id, next_attempt_at
        ), leased AS (
            -- A test delivery written leased counts against its endpoint's limit at once.
            INSERT INTO delivery_queues AS q (endpoint_id, app_id, leased)
            SELECT endpoint_id, app_id, count(*) FROM delivery WHERE lease_id IS NOT NULL
            GROUP BY endpoint_id, app_id ORDER BY endpoint_id
            ON CONFLICT (endpoint_id) DO UPDATE SET leased = q.leased + excluded.leased
        ), woken AS (
            INSERT INTO queue_wakeups (app_id, endpoint_id, due_at)
            SELECT DISTINCT app_id, endpoint_id, $8 FROM delivery WHERE lease_id IS NULL AND next_attempt_at IS NOT NULL
        )
        SELECT e.app_id, e.event_id,
               COALESCE((SELECT min(d.id) FROM delivery d WHERE d.app_id = e.app_id AND d.event_id = e.event_id),
                        '') AS delivery_id,
               pg_notify('\(PostgresStore.publishChannel)', '') AS announced
        FROM event e
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .textArray, .textArray, .textArray, .byteaArray, .boolArray, .textArray, .textArray, .int8, .int8, .int8,
        .text, .boolArray, .int8, .textArray, .textArray, .textArray,
    ]

    /// Each event at most once.
    var events: [NewEvent]
    var attemptsAllowed: AttemptsAllowed
    var now: UnixMillis
    /// The lease a test delivery is written with, so the route that sends it at once holds it.
    var lease: (id: LeaseID, until: UnixMillis)?

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 16)
        bindings.append(events.map(\.appID))
        bindings.append(events.map(\.eventID))
        bindings.append(events.map(\.event))
        bindings.append(events.map { ByteBuffer(bytes: $0.data) })
        bindings.append(events.map(\.isTest))
        bindings.append(events.map { $0.endpointID ?? EndpointID("") })
        bindings.append(events.map { Identifiers.v3WebhookID(appID: $0.appID) })
        bindings.append(now.rawValue)
        bindings.append(Int64(attemptsAllowed.v3URL))
        bindings.append(lease?.until.rawValue)
        bindings.append(lease?.id)
        bindings.append(events.map { EventCatalogue.reachesV3URL($0.event) })
        bindings.append(Int64(attemptsAllowed.endpoint))
        bindings.append(events.map { $0.traceParent ?? TraceParent("") })
        bindings.append(events.map { $0.excludedEndpointID ?? EndpointID("") })
        bindings.append(events.map { $0.orderingKey?.rawValue ?? "" })
        return bindings
    }
}
