import HookdCore
import PostgresNIO

/// The two statements of a claim (``PostgresStore/claimDueDeliveries(limit:perAppLimit:now:leaseUntil:)``),
/// prepared once per connection and run in the dispatcher's pool (``PostgresStore/withPlannedOnceConnection(_:)``).
///
/// Their text is constant: what varies is bound, and what the planner must see to use a partial index (a status, an
/// endpoint's state) is written into the text from constants, never bound, or the generic plan could not use the
/// index whose condition names it.
enum PostgresClaimStatements {
    /// Folds what is new into the fair queue (`delivery_queues`, one row per endpoint): the wake-ups appended by
    /// publishes, retries and requeues, the leases that ran out (at most 1,000 a claim, oldest first, each due
    /// again), and the releases that records and expiries appended to `lease_releases` (taken off `leased`).
    /// `$1` is now, Unix milliseconds.
    struct FoldIntoQueues: PostgresRowStatement {
        static let sql = """
            WITH expired AS (
                UPDATE deliveries SET locked_until = NULL, lease_id = NULL
                WHERE id IN (
                    SELECT id FROM deliveries WHERE lease_id IS NOT NULL AND locked_until <= $1
                    ORDER BY locked_until LIMIT 1000 FOR UPDATE SKIP LOCKED)
                  AND lease_id IS NOT NULL AND locked_until <= $1
                RETURNING endpoint_id, app_id, next_attempt_at
            ), woken AS (
                DELETE FROM queue_wakeups WHERE seq IN (
                    SELECT seq FROM queue_wakeups ORDER BY seq LIMIT 10000 FOR UPDATE SKIP LOCKED)
                RETURNING endpoint_id, app_id, due_at
            ), released AS (
                DELETE FROM lease_releases WHERE seq IN (
                    SELECT seq FROM lease_releases ORDER BY seq LIMIT 10000 FOR UPDATE SKIP LOCKED)
                RETURNING endpoint_id, app_id, released
            ), due AS (
                SELECT endpoint_id, app_id, min(due_at) AS due_at, sum(released)::integer AS released
                FROM (SELECT endpoint_id, app_id, due_at, 0 AS released FROM woken
                      UNION ALL SELECT endpoint_id, app_id, next_attempt_at, 1 FROM expired
                      UNION ALL SELECT endpoint_id, app_id, NULL, released FROM released) AS u
                GROUP BY endpoint_id, app_id
            )
            INSERT INTO delivery_queues AS q (endpoint_id, app_id, ready_at, leased)
            SELECT endpoint_id, app_id, due_at, -released FROM due ORDER BY endpoint_id
            ON CONFLICT (endpoint_id) DO UPDATE
                SET ready_at = LEAST(COALESCE(q.ready_at, excluded.ready_at), excluded.ready_at),
                    leased = q.leased + excluded.leased
            """
        static let bindingDataTypes: [PostgresDataType] = [.int8]

        var now: UnixMillis

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(now.rawValue)
            return bindings
        }
    }

    /// Locks the endpoints to serve (their queue rows, oldest served first, skipping those another claimer holds),
    /// leases each one's due deliveries up to its room (its in-flight limit less its leases, and its rate limit),
    /// then the first of every endpoint, the second of every endpoint, … (`rank`, then the endpoint's turn) up to
    /// the claim's limit, and settles each queue row. It answers the deliveries leased, with what sending them
    /// needs (``PostgresStore/claimColumns``).
    ///
    /// `$1` is now, `$2` the per-endpoint limit, `$3` the claim's limit, `$4` the lease's end (Unix milliseconds)
    /// and `$5` the lease's id.
    struct LeaseDueDeliveries: PostgresRowStatement {
        static let sql = """
            WITH locked AS (
                SELECT q.endpoint_id, q.served_at, q.leased, q.rate_tat, w.rate_limit FROM delivery_queues q
                JOIN webhook_endpoints w ON w.id = q.endpoint_id AND \(PostgresStore.sendable)
                WHERE q.ready_at <= $1 AND q.leased < $2
                  AND (w.rate_limit IS NULL OR q.rate_tat <= $1 + 1000 - 1000.0 / w.rate_limit)
                ORDER BY q.served_at, q.endpoint_id
                LIMIT $3
                FOR UPDATE OF q SKIP LOCKED
            ), queue AS (
                SELECT endpoint_id, row_number() OVER (ORDER BY served_at, endpoint_id) AS turn,
                       LEAST($2 - leased,
                             CASE WHEN rate_limit IS NULL THEN $2
                             ELSE floor(($1 + 1000 - 1000.0 / rate_limit - GREATEST(rate_tat, $1))
                                        / (1000.0 / rate_limit))::integer + 1 END) AS room
                FROM locked
            ), picked AS (
                SELECT p.id, row_number() OVER (PARTITION BY queue.endpoint_id ORDER BY p.next_attempt_at) AS rank,
                       queue.turn
                FROM queue CROSS JOIN LATERAL (
                    SELECT d.id, d.next_attempt_at FROM deliveries d
                    WHERE d.endpoint_id = queue.endpoint_id AND d.status = '\(DeliveryStatus.pending.rawValue)'
                      AND d.lease_id IS NULL AND d.next_attempt_at <= $1
                    ORDER BY d.next_attempt_at
                    LIMIT GREATEST(queue.room, 0)
                    FOR UPDATE OF d SKIP LOCKED
                ) AS p
            ), chosen AS (
                SELECT id FROM picked ORDER BY rank, turn LIMIT $3
            ), claimed AS (
                UPDATE deliveries AS d SET locked_until = $4, lease_id = $5
                FROM chosen, events e, webhook_endpoints w, apps a
                WHERE d.id = chosen.id AND d.lease_id IS NULL
                  AND e.app_id = d.app_id AND e.event_id = d.event_id AND w.id = d.endpoint_id AND a.id = d.app_id
                RETURNING \(PostgresStore.claimColumns), d.next_attempt_at
            ), settled AS (
                UPDATE delivery_queues AS q
                SET ready_at = (SELECT min(r.next_attempt_at) FROM deliveries r
                                WHERE r.endpoint_id = q.endpoint_id
                                  AND r.status = '\(DeliveryStatus.pending.rawValue)'
                                  AND r.lease_id IS NULL AND r.id NOT IN (SELECT id FROM chosen)),
                    served_at = CASE WHEN q.endpoint_id IN (SELECT endpoint_id FROM claimed) THEN $1
                                ELSE q.served_at END,
                    leased = q.leased + (SELECT count(*) FROM claimed c WHERE c.endpoint_id = q.endpoint_id),
                    rate_tat = CASE WHEN l.rate_limit IS NULL THEN q.rate_tat
                               ELSE ceil(GREATEST(q.rate_tat, $1)
                                         + (SELECT count(*) FROM claimed c WHERE c.endpoint_id = q.endpoint_id)
                                           * 1000.0 / l.rate_limit)::bigint END
                FROM locked l
                WHERE q.endpoint_id = l.endpoint_id
            )
            SELECT * FROM claimed ORDER BY next_attempt_at, id
            """
        static let bindingDataTypes: [PostgresDataType] = [.int8, .int8, .int8, .int8, .text]

        var now: UnixMillis
        var perEndpointLimit: Int
        var limit: Int
        var leaseUntil: UnixMillis
        var leaseID: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 5)
            bindings.append(now.rawValue)
            bindings.append(Int64(perEndpointLimit))
            bindings.append(Int64(limit))
            bindings.append(leaseUntil.rawValue)
            bindings.append(leaseID)
            return bindings
        }
    }

    /// When the dispatcher should look again, when nothing was claimed: the earliest of the times an endpoint with
    /// room may next be served (its queue row, its rate limit, its releases not folded yet), a wake-up not folded
    /// yet, and a lease of an endpoint that can be sent to running out (among the first 1,000 to run out, through
    /// `deliveries_lease_expiry`: leases are what is in flight, and a later poll finds the rest). `$1` is the
    /// per-endpoint limit. NULL: nothing is pending. The two tables appended to and folded by every claim
    /// (`queue_wakeups`, `lease_releases`) are read whole: they hold only what the next claim folds.
    struct NextDueTime: PostgresRowStatement {
        static let sql = """
            SELECT min(t) FROM (
                SELECT min(\(PostgresStore.servableAt)) AS t FROM delivery_queues q
                JOIN webhook_endpoints w ON w.id = q.endpoint_id AND \(PostgresStore.sendable)
                LEFT JOIN (SELECT endpoint_id, sum(released) AS released FROM lease_releases GROUP BY endpoint_id)
                    AS r ON r.endpoint_id = q.endpoint_id
                WHERE q.ready_at IS NOT NULL AND q.leased - COALESCE(r.released, 0) < $1
                UNION ALL
                SELECT min(k.due_at) FROM queue_wakeups k
                JOIN webhook_endpoints w ON w.id = k.endpoint_id AND \(PostgresStore.sendable)
                UNION ALL
                SELECT min(l.locked_until) FROM (
                    SELECT locked_until, endpoint_id FROM deliveries WHERE lease_id IS NOT NULL
                    ORDER BY locked_until LIMIT 1000) AS l
                JOIN webhook_endpoints w ON w.id = l.endpoint_id AND \(PostgresStore.sendable)
            ) AS s
            """
        static let bindingDataTypes: [PostgresDataType] = [.int8]

        var perEndpointLimit: Int

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(Int64(perEndpointLimit))
            return bindings
        }
    }
}
