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
    /// again), the first waiting delivery of each ordering key's line that a record or requeue released (SPEC §15),
    /// and the releases that records and expiries appended to `lease_releases` (taken off `leased`); an
    /// app seen for the first time gets its row in `app_queues` (its turn). `$1` is now, Unix milliseconds.
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
            ), line_released AS (
                DELETE FROM line_releases WHERE seq IN (
                    SELECT seq FROM line_releases ORDER BY seq LIMIT 10000 FOR UPDATE SKIP LOCKED)
                RETURNING endpoint_id, app_id, ordering_key
            ), let_go AS (
                -- SPEC §15: each line whose head settled lets its first waiting delivery go. This statement's
                -- snapshot sees every delivery published into the line before the record that released it.
                UPDATE deliveries AS d SET next_attempt_at = $1
                FROM (SELECT endpoint_id, ordering_key, count(*) AS n FROM line_released
                      GROUP BY endpoint_id, ordering_key) AS r
                CROSS JOIN LATERAL (
                    SELECT w.id FROM deliveries w
                    WHERE w.endpoint_id = r.endpoint_id AND w.ordering_key = r.ordering_key
                      AND w.status = '\(DeliveryStatus.pending.rawValue)' AND w.next_attempt_at IS NULL
                      AND w.ordering_key IS NOT NULL
                    ORDER BY w.ordering_seq LIMIT r.n
                ) AS first
                WHERE d.id = first.id AND d.next_attempt_at IS NULL
                RETURNING d.endpoint_id, d.app_id, d.next_attempt_at
            ), due AS (
                SELECT endpoint_id, app_id, min(due_at) AS due_at, sum(released)::integer AS released
                FROM (SELECT endpoint_id, app_id, due_at, 0 AS released FROM woken
                      UNION ALL SELECT endpoint_id, app_id, next_attempt_at, 0 FROM let_go
                      UNION ALL SELECT endpoint_id, app_id, next_attempt_at, 1 FROM expired
                      UNION ALL SELECT endpoint_id, app_id, NULL, released FROM released) AS u
                GROUP BY endpoint_id, app_id
            ), turns AS (
                -- DO NOTHING takes no lock on a row that exists, so a fold never waits for a claimer holding one.
                INSERT INTO app_queues (app_id) SELECT DISTINCT app_id FROM due ORDER BY app_id
                ON CONFLICT (app_id) DO NOTHING
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

    /// Serves apps in turn, then each app's endpoints in turn (SPEC §13), and answers the deliveries it leased with
    /// what sending them needs (``PostgresStore/claimColumns``).
    ///
    /// It locks the rows of the apps to serve in `app_queues` (least recently served first, among active apps with
    /// an endpoint that may be served and fewer leases than the app's cap; skipping those another claimer holds),
    /// then every queue row of those apps, in endpoint order. Locked rows are read in their newest version, so an
    /// app's leases (the sum of its endpoints' `leased`) count every lease committed before; a release not folded
    /// yet still counts, so the room is never more than the caps allow. Each endpoint that may be served (due, below
    /// its cap, its rate limit allowing) reads its oldest due deliveries up to its room (its cap less its leases,
    /// its rate limit, its app's room); an app's deliveries are taken from its endpoints in turn (`endpoint_rank`,
    /// then the endpoint's turn) up to the app's room, and the apps' in turn (`app_rank`, then the app's turn) up
    /// to the claim's limit. Then each queue row read is settled and each app served is marked served.
    ///
    /// Settling computes an endpoint's next `ready_at` from this statement's snapshot, which cannot see deliveries
    /// published after it began. When another dispatcher's fold has since folded their wake-ups into the row (its
    /// version, `xmin`, differs from the snapshot's), the row keeps the earlier of that newest `ready_at` and the
    /// one computed here: otherwise those deliveries would wait, unclaimed, for the endpoint's next publish.
    ///
    /// `$1` is now, `$2` the per-endpoint cap, `$3` the claim's limit, `$4` the lease's end (Unix milliseconds), `$5`
    /// the lease's id and `$6` the per-app cap.
    struct LeaseDueDeliveries: PostgresRowStatement {
        static let sql = """
            WITH candidate AS (
                SELECT DISTINCT q.app_id FROM delivery_queues q
                JOIN webhook_endpoints w ON w.id = q.endpoint_id AND \(PostgresStore.sendable)
                WHERE q.ready_at <= $1 AND q.leased < $2
                  AND (w.rate_limit IS NULL OR q.rate_tat <= $1 + 1000 - 1000.0 / w.rate_limit)
            ), turn AS (
                SELECT t.app_id, t.served_at FROM app_queues t
                JOIN apps a ON a.id = t.app_id AND a.status = '\(AppStatus.active.rawValue)'
                WHERE t.app_id IN (SELECT app_id FROM candidate)
                  AND (SELECT sum(s.leased) FROM delivery_queues s WHERE s.app_id = t.app_id) < $6
                ORDER BY t.served_at, t.app_id
                LIMIT $3
                FOR UPDATE OF t SKIP LOCKED
            ), locked AS (
                SELECT q.endpoint_id, q.app_id, q.ready_at, q.served_at, q.leased, q.rate_tat, q.xmin AS version
                FROM delivery_queues q
                WHERE q.app_id IN (SELECT app_id FROM turn)
                ORDER BY q.endpoint_id
                FOR UPDATE OF q
            ), seen AS (
                -- The same rows as this statement's snapshot has them (no lock, so not their newest version).
                SELECT s.endpoint_id, s.xmin AS version FROM delivery_queues s
                WHERE s.app_id IN (SELECT app_id FROM turn)
            ), app_room AS (
                SELECT turn.app_id, $6 - (SELECT COALESCE(sum(l.leased), 0) FROM locked l WHERE l.app_id = turn.app_id)
                           AS room,
                       row_number() OVER (ORDER BY turn.served_at, turn.app_id) AS app_turn
                FROM turn
            ), queue AS (
                SELECT l.endpoint_id, l.app_id, r.app_turn, r.room AS app_room, w.rate_limit,
                       l.ready_at AS newest_ready_at,
                       l.version IS DISTINCT FROM (SELECT s.version FROM seen s WHERE s.endpoint_id = l.endpoint_id)
                           AS folded_since,
                       row_number() OVER (PARTITION BY l.app_id ORDER BY l.served_at, l.endpoint_id) AS endpoint_turn,
                       LEAST($2 - l.leased, r.room,
                             CASE WHEN w.rate_limit IS NULL THEN $2
                             ELSE floor(($1 + 1000 - 1000.0 / w.rate_limit - GREATEST(l.rate_tat, $1))
                                        / (1000.0 / w.rate_limit))::integer + 1 END) AS room
                FROM locked l
                JOIN app_room r ON r.app_id = l.app_id
                JOIN webhook_endpoints w ON w.id = l.endpoint_id AND \(PostgresStore.sendable)
                WHERE l.ready_at <= $1 AND l.leased < $2 AND r.room > 0
                  AND (w.rate_limit IS NULL OR l.rate_tat <= $1 + 1000 - 1000.0 / w.rate_limit)
            ), picked AS (
                SELECT p.id, queue.app_id, queue.app_turn, queue.app_room, queue.endpoint_turn,
                       row_number() OVER (PARTITION BY queue.endpoint_id ORDER BY p.next_attempt_at, p.id)
                           AS endpoint_rank
                FROM queue CROSS JOIN LATERAL (
                    SELECT d.id, d.next_attempt_at FROM deliveries d
                    WHERE d.endpoint_id = queue.endpoint_id AND d.status = '\(DeliveryStatus.pending.rawValue)'
                      AND d.lease_id IS NULL AND d.next_attempt_at <= $1
                    ORDER BY d.next_attempt_at
                    LIMIT GREATEST(queue.room, 0)
                    FOR UPDATE OF d SKIP LOCKED
                ) AS p
            ), ranked AS (
                SELECT id, app_turn, app_room,
                       row_number() OVER (PARTITION BY app_id ORDER BY endpoint_rank, endpoint_turn) AS app_rank
                FROM picked
            ), chosen AS (
                SELECT id FROM ranked WHERE app_rank <= app_room ORDER BY app_rank, app_turn LIMIT $3
            ), claimed AS (
                UPDATE deliveries AS d SET locked_until = $4, lease_id = $5
                FROM chosen, events e, webhook_endpoints w, apps a
                WHERE d.id = chosen.id AND d.lease_id IS NULL
                  AND e.app_id = d.app_id AND e.event_id = d.event_id AND w.id = d.endpoint_id AND a.id = d.app_id
                RETURNING \(PostgresStore.claimColumns), d.next_attempt_at
            ), settled AS (
                UPDATE delivery_queues AS q
                SET ready_at = CASE WHEN l.folded_since THEN LEAST(l.newest_ready_at, u.ready_at)
                               ELSE u.ready_at END,
                    served_at = CASE WHEN q.endpoint_id IN (SELECT endpoint_id FROM claimed) THEN $1
                                ELSE q.served_at END,
                    leased = q.leased + (SELECT count(*) FROM claimed c WHERE c.endpoint_id = q.endpoint_id),
                    rate_tat = CASE WHEN l.rate_limit IS NULL THEN q.rate_tat
                               ELSE ceil(GREATEST(q.rate_tat, $1)
                                         + (SELECT count(*) FROM claimed c WHERE c.endpoint_id = q.endpoint_id)
                                           * 1000.0 / l.rate_limit)::bigint END
                FROM queue l CROSS JOIN LATERAL (
                    SELECT min(r.next_attempt_at) AS ready_at FROM deliveries r
                    WHERE r.endpoint_id = l.endpoint_id
                      AND r.status = '\(DeliveryStatus.pending.rawValue)'
                      AND r.lease_id IS NULL AND r.id NOT IN (SELECT id FROM chosen)
                ) AS u
                WHERE q.endpoint_id = l.endpoint_id
            ), served AS (
                UPDATE app_queues AS t SET served_at = $1
                WHERE t.app_id IN (SELECT app_id FROM claimed)
            )
            SELECT * FROM claimed ORDER BY next_attempt_at, id
            """
        static let bindingDataTypes: [PostgresDataType] = [.int8, .int8, .int8, .int8, .text, .int8]

        var now: UnixMillis
        var caps: ClaimCaps
        var limit: Int
        var leaseUntil: UnixMillis
        var leaseID: LeaseID

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 6)
            bindings.append(now.rawValue)
            bindings.append(Int64(caps.perEndpoint))
            bindings.append(Int64(limit))
            bindings.append(leaseUntil.rawValue)
            bindings.append(leaseID)
            bindings.append(Int64(caps.perApp))
            return bindings
        }
    }

    /// When the dispatcher should look again, when nothing was claimed: the earliest of the times an endpoint below
    /// its cap, of an active app below its cap, may next be served (its queue row, its rate limit, the releases not
    /// folded yet), a wake-up not folded yet, and a lease of an endpoint that can be sent to running out (among the
    /// first 1,000 to run out, through `deliveries_lease_expiry`: leases are what is in flight, and a later poll
    /// finds the rest). `$1` is the per-endpoint cap and `$2` the per-app cap. NULL: nothing is pending. The two
    /// tables appended to and folded by every claim (`queue_wakeups`, `lease_releases`) are read whole: they hold
    /// only what the next claim folds.
    struct NextDueTime: PostgresRowStatement {
        static let sql = """
            WITH released AS (
                SELECT endpoint_id, app_id, sum(released) AS released FROM lease_releases GROUP BY endpoint_id, app_id
            )
            SELECT min(t) FROM (
                SELECT min(\(PostgresStore.servableAt)) AS t FROM delivery_queues q
                JOIN webhook_endpoints w ON w.id = q.endpoint_id AND \(PostgresStore.sendable)
                JOIN apps a ON a.id = q.app_id AND a.status = '\(AppStatus.active.rawValue)'
                WHERE q.ready_at IS NOT NULL
                  AND q.leased - COALESCE((SELECT sum(r.released) FROM released r WHERE r.endpoint_id = q.endpoint_id), 0)
                      < $1
                  AND (SELECT sum(s.leased) FROM delivery_queues s WHERE s.app_id = q.app_id)
                      - COALESCE((SELECT sum(r.released) FROM released r WHERE r.app_id = q.app_id), 0) < $2
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
        static let bindingDataTypes: [PostgresDataType] = [.int8, .int8]

        var caps: ClaimCaps

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(Int64(caps.perEndpoint))
            bindings.append(Int64(caps.perApp))
            return bindings
        }
    }

    /// What each endpoint allows now (``PostgresStore/sendingStates(endpointIDs:)``): the columns of
    /// ``PostgresStore/sendingStateColumns`` for each id of `$1` that has an endpoint.
    struct ReadSendingStates: PostgresRowStatement {
        static let sql = """
            SELECT w.id, \(PostgresStore.sendingStateColumns)
            FROM webhook_endpoints w JOIN apps a ON a.id = w.app_id
            WHERE w.id = ANY($1::text[])
            """
        static let bindingDataTypes: [PostgresDataType] = [.textArray]

        var endpointIDs: [EndpointID]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(endpointIDs)
            return bindings
        }
    }
}
