import HookdCore
import PostgresNIO

/// The PostgreSQL schema, as numbered migrations. Append new ones; never edit one that has shipped.
///
/// The identifiers match ``SQLiteMigrations`` and so does the meaning of every table, with PostgreSQL's types:
/// `bigint` Unix times, `bytea` bytes, `boolean` flags, and `deliveries.seq`, a `bigserial` that orders deliveries
/// created in the same millisecond.
enum PostgresMigrations {
    struct Migration: Sendable {
        let id: String
        /// Run one by one: the extended query protocol takes one statement at a time.
        let statements: [String]
        /// Rewrites data the statements cannot (in Swift), in the migration's transaction, after them.
        var rewrite: (@Sendable (PostgresConnection, Logger) async throws -> Void)? = nil
    }

    /// Every migration, in the order they apply.
    static let all: [Migration] = [
        Migration(
            id: "0001_apps_webhooks_tokens",
            statements: [
                """
                CREATE TABLE apps (
                    id text PRIMARY KEY,
                    business_id text NOT NULL,
                    name text NOT NULL,
                    type text NOT NULL,
                    status text NOT NULL CONSTRAINT apps_status_known CHECK (status IN ('ACTIVE', 'SUSPENDED')),
                    scopes text NOT NULL,
                    secret_key_digest bytea NOT NULL,
                    created_at bigint NOT NULL
                )
                """,
                """
                CREATE TABLE webhook_endpoints (
                    app_id text PRIMARY KEY REFERENCES apps (id),
                    url text,
                    sealed_secret bytea,
                    secret_version bigint NOT NULL DEFAULT 0 CONSTRAINT webhook_endpoints_version_not_negative
                        CHECK (secret_version >= 0),
                    created_at bigint NOT NULL,
                    updated_at bigint NOT NULL
                )
                """,
                """
                CREATE TABLE secret_audit (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    app_id text NOT NULL REFERENCES apps (id),
                    action text NOT NULL CONSTRAINT secret_audit_action_known
                        CHECK (action IN ('created', 'regenerated')),
                    secret_version bigint NOT NULL,
                    fingerprint text NOT NULL,
                    request_id text NOT NULL,
                    client_address text,
                    at bigint NOT NULL
                )
                """,
                "CREATE INDEX secret_audit_by_app ON secret_audit (app_id, id)",
                """
                CREATE TABLE revoked_tokens (
                    jti text PRIMARY KEY,
                    expires_at bigint NOT NULL
                )
                """,
                "CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at)",
                """
                CREATE TABLE rate_limits (
                    key text PRIMARY KEY,
                    theoretical_arrival_ms bigint NOT NULL
                )
                """,
                """
                CREATE TABLE server_secrets (
                    name text PRIMARY KEY,
                    sealed bytea NOT NULL
                )
                """,
            ]
        ),
        Migration(
            id: "0002_events_deliveries",
            statements: [
                """
                CREATE TABLE events (
                    app_id text NOT NULL REFERENCES apps (id),
                    event_id text NOT NULL,
                    event text NOT NULL,
                    data bytea NOT NULL,
                    created_at bigint NOT NULL,
                    PRIMARY KEY (app_id, event_id)
                )
                """,
                """
                CREATE TABLE deliveries (
                    id text PRIMARY KEY,
                    seq bigserial NOT NULL,
                    app_id text NOT NULL,
                    event_id text NOT NULL,
                    event text NOT NULL,
                    status text NOT NULL CONSTRAINT deliveries_status_known
                        CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED')),
                    attempts integer NOT NULL DEFAULT 0 CONSTRAINT deliveries_attempts_not_negative
                        CHECK (attempts >= 0),
                    attempts_allowed integer NOT NULL,
                    next_attempt_at bigint,
                    locked_until bigint,
                    lease_id text,
                    last_attempt_at bigint,
                    last_http_status integer,
                    is_test boolean NOT NULL DEFAULT false,
                    created_at bigint NOT NULL,
                    CONSTRAINT deliveries_one_per_event UNIQUE (app_id, event_id),
                    FOREIGN KEY (app_id, event_id) REFERENCES events (app_id, event_id)
                )
                """,
                "CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'PENDING'",
                "CREATE INDEX deliveries_by_app ON deliveries (app_id, created_at DESC, seq DESC)",
                "CREATE INDEX deliveries_by_lease ON deliveries (lease_id) WHERE lease_id IS NOT NULL",
                """
                CREATE TABLE delivery_attempts (
                    delivery_id text NOT NULL REFERENCES deliveries (id),
                    number integer NOT NULL,
                    started_at bigint NOT NULL,
                    latency_ms bigint NOT NULL,
                    http_status integer,
                    error text,
                    response_body bytea NOT NULL,
                    secret_version bigint NOT NULL,
                    PRIMARY KEY (delivery_id, number)
                )
                """,
            ]
        ),
        Migration(
            id: "0003_fair_delivery_queues",
            statements: [
                // One queue row per app, written only by claims. `ready_at` is the earliest due time of the app's
                // pending deliveries no one holds (NULL: none); it may be earlier than that, never later.
                """
                CREATE TABLE delivery_queues (
                    app_id text PRIMARY KEY REFERENCES apps (id),
                    ready_at bigint,
                    served_at bigint NOT NULL DEFAULT 0
                )
                """,
                "CREATE INDEX delivery_queues_ready ON delivery_queues (ready_at) WHERE ready_at IS NOT NULL",
                // What publishes, retries and requeues append, and claims fold into `delivery_queues`: appending
                // never waits for a claimer that holds an app's queue row.
                """
                CREATE TABLE queue_wakeups (
                    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    app_id text NOT NULL,
                    due_at bigint NOT NULL
                )
                """,
                """
                INSERT INTO delivery_queues (app_id, ready_at)
                SELECT app_id, min(next_attempt_at) FROM deliveries WHERE status = 'PENDING' GROUP BY app_id
                """,
                "DROP INDEX deliveries_due",
                // Nothing looks a delivery up by its lease: a claim returns what it leased, the rest go by id.
                "DROP INDEX deliveries_by_lease",
                // Claims read an app's due deliveries here; one that is leased leaves this index until it is done.
                """
                CREATE INDEX deliveries_ready ON deliveries (app_id, next_attempt_at)
                WHERE status = 'PENDING' AND lease_id IS NULL
                """,
                // The leased ones: counted per app for the in-flight limit, and scanned for leases that ran out.
                "CREATE INDEX deliveries_leased ON deliveries (app_id, locked_until) WHERE lease_id IS NOT NULL",
            ]
        ),
        Migration(
            id: "0004_hardening",
            statements: [
                // Tokens issued before it (Unix seconds) are refused.
                "ALTER TABLE apps ADD COLUMN tokens_not_before bigint NOT NULL DEFAULT 0",
                "ALTER TABLE deliveries ADD COLUMN manual_retries integer NOT NULL DEFAULT 0",
                // The first answer of a request made with an Idempotency-Key (a regeneration's sealed secret).
                """
                CREATE TABLE idempotency_keys (
                    app_id text NOT NULL REFERENCES apps (id),
                    scope text NOT NULL,
                    key text NOT NULL,
                    response bytea NOT NULL,
                    responded_at bigint NOT NULL,
                    created_at bigint NOT NULL,
                    PRIMARY KEY (app_id, scope, key)
                )
                """,
                "CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at)",
                // Retention deletes finished deliveries oldest first.
                "CREATE INDEX deliveries_finished ON deliveries (created_at) WHERE status IN ('SUCCEEDED', 'FAILED')",
                "CREATE INDEX rate_limits_by_arrival ON rate_limits (theoretical_arrival_ms)",
            ]
        ),
        Migration(
            id: "0005_master_key_fence",
            statements: [
                // The identifier of the master key that seals (a sealed value's bytes 2–9), set at first start and
                // moved by a rotation in the transaction that re-seals. A value sealed under any other key is
                // refused with SQLSTATE HK001, so a node still holding an outdated key cannot seal what the others
                // will not open. A database from before this migration is fenced at its key check's key.
                """
                CREATE TABLE master_key_fence (
                    id boolean PRIMARY KEY DEFAULT true CHECK (id),
                    key_identifier bytea NOT NULL
                )
                """,
                """
                INSERT INTO master_key_fence (key_identifier)
                SELECT substring(sealed FROM 2 FOR 8) FROM server_secrets WHERE name = 'master-key-check'
                """,
                """
                CREATE FUNCTION hookd_sealed_under_the_fence() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    sealed text := to_jsonb(NEW) ->> TG_ARGV[0];
                    fence bytea;
                BEGIN
                    SELECT key_identifier INTO fence FROM master_key_fence;
                    -- bytea in JSON is \\x and hex digits: the key identifier is hex digits 3 to 18.
                    IF sealed IS NOT NULL AND fence IS NOT NULL
                        AND substring(sealed FROM 5 FOR 16) IS DISTINCT FROM encode(fence, 'hex') THEN
                        RAISE EXCEPTION 'sealed under an outdated master key' USING ERRCODE = 'HK001';
                    END IF;
                    RETURN NEW;
                END
                $$
                """,
                """
                CREATE TRIGGER webhook_secret_under_the_fence
                BEFORE INSERT OR UPDATE OF sealed_secret ON webhook_endpoints
                FOR EACH ROW EXECUTE FUNCTION hookd_sealed_under_the_fence('sealed_secret')
                """,
                """
                CREATE TRIGGER server_secret_under_the_fence
                BEFORE INSERT OR UPDATE OF sealed ON server_secrets
                FOR EACH ROW EXECUTE FUNCTION hookd_sealed_under_the_fence('sealed')
                """,
                """
                CREATE TRIGGER idempotency_answer_under_the_fence
                BEFORE INSERT OR UPDATE OF response ON idempotency_keys
                FOR EACH ROW EXECUTE FUNCTION hookd_sealed_under_the_fence('response')
                """,
            ]
        ),
        Migration(
            id: "0006_lease_expiry_index",
            statements: [
                // Claims release the leases that ran out, oldest first, by walking this (leased rows only).
                "CREATE INDEX deliveries_lease_expiry ON deliveries (locked_until) WHERE lease_id IS NOT NULL"
            ]
        ),
        Migration(
            id: "0007_leases_counted_per_app",
            statements: [
                // Each app's leased deliveries, kept by the triggers below in the transaction that leases or releases,
                // so a claim checks the in-flight limit on the queue row it locks and never reads leased rows: a
                // lease and its release are two row versions of `deliveries`, and walking those (dead until vacuum)
                // on every claim made claims CPU-bound in about half the runs measured.
                "ALTER TABLE delivery_queues ADD COLUMN leased integer NOT NULL DEFAULT 0",
                """
                INSERT INTO delivery_queues AS q (app_id, leased)
                SELECT app_id, count(*) FROM deliveries WHERE lease_id IS NOT NULL GROUP BY app_id
                ON CONFLICT (app_id) DO UPDATE SET leased = excluded.leased
                """,
                // One pass per statement over the rows it changed; queue rows are locked in app order, so two
                // statements counting for the same apps cannot wait on each other in a cycle.
                """
                CREATE FUNCTION hookd_count_leases() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    apps text[];
                    deltas integer[];
                BEGIN
                    -- A transition table exists only for the operations that have it, so each is read in its branch.
                    IF TG_OP = 'INSERT' THEN
                        SELECT array_agg(app_id ORDER BY app_id), array_agg(n ORDER BY app_id) INTO apps, deltas
                        FROM (SELECT app_id, count(*)::integer AS n FROM new_rows WHERE lease_id IS NOT NULL
                              GROUP BY app_id) AS c;
                    ELSIF TG_OP = 'UPDATE' THEN
                        SELECT array_agg(app_id ORDER BY app_id), array_agg(n ORDER BY app_id) INTO apps, deltas
                        FROM (SELECT app_id, sum(delta)::integer AS n FROM (
                                  SELECT app_id, 1 AS delta FROM new_rows WHERE lease_id IS NOT NULL
                                  UNION ALL
                                  SELECT app_id, -1 FROM old_rows WHERE lease_id IS NOT NULL) AS u
                              GROUP BY app_id HAVING sum(delta) <> 0) AS c;
                    ELSE
                        SELECT array_agg(app_id ORDER BY app_id), array_agg(n ORDER BY app_id) INTO apps, deltas
                        FROM (SELECT app_id, -count(*)::integer AS n FROM old_rows WHERE lease_id IS NOT NULL
                              GROUP BY app_id) AS c;
                    END IF;
                    FOR i IN 1 .. coalesce(array_length(apps, 1), 0) LOOP
                        INSERT INTO delivery_queues AS q (app_id, leased) VALUES (apps[i], deltas[i])
                        ON CONFLICT (app_id) DO UPDATE SET leased = q.leased + excluded.leased;
                    END LOOP;
                    RETURN NULL;
                END
                $$
                """,
                """
                CREATE TRIGGER deliveries_leased_on_insert AFTER INSERT ON deliveries
                REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION hookd_count_leases()
                """,
                """
                CREATE TRIGGER deliveries_leased_on_update AFTER UPDATE ON deliveries
                REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION hookd_count_leases()
                """,
                """
                CREATE TRIGGER deliveries_leased_on_delete AFTER DELETE ON deliveries
                REFERENCING OLD TABLE AS old_rows
                FOR EACH STATEMENT EXECUTE FUNCTION hookd_count_leases()
                """,
                // Nothing counts or walks an app's leases any more.
                "DROP INDEX deliveries_leased",
            ]
        ),
        Migration(
            id: "0008_endpoints",
            statements: [
                // Many endpoints per app (SPEC §11). `webhook_endpoints` holds them all: the app's v3 URL is its
                // endpoint in the v3 format (`format = 'V3'`, every event, at most one per app, its id derived from
                // the app's so a delivery can name it before the app first sets a URL), the others are `V3_20`.
                "ALTER TABLE apps ADD COLUMN environment text NOT NULL DEFAULT 'LIVE'",
                // The v3.20 routes take the app's secret key as a bearer: the app is found by the key's digest.
                "CREATE INDEX apps_by_secret_key ON apps (secret_key_digest)",
                // Deliveries of a deleted endpoint are CANCELLED: finished, for retention.
                "DROP INDEX deliveries_finished",
                """
                CREATE INDEX deliveries_finished ON deliveries (created_at)
                WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELLED')
                """,
                """
                CREATE FUNCTION hookd_v3_endpoint_id(app text) RETURNS text IMMUTABLE LANGUAGE sql AS $$
                    SELECT 'whk_' || upper(substr(encode(sha256(convert_to('hookd/v3-endpoint:' || app, 'UTF8')),
                                                         'hex'), 1, 20))
                $$
                """,
                """
                ALTER TABLE webhook_endpoints
                    ADD COLUMN id text,
                    ADD COLUMN format text NOT NULL DEFAULT 'V3',
                    ADD COLUMN description text NOT NULL DEFAULT '',
                    ADD COLUMN events text[],
                    ADD COLUMN headers text NOT NULL DEFAULT '{}',
                    ADD COLUMN rate_limit integer,
                    ADD COLUMN status text NOT NULL DEFAULT 'ACTIVE',
                    ADD COLUMN disabled_reason text,
                    ADD COLUMN secret_prefix text,
                    ADD COLUMN previous_sealed_secret bytea,
                    ADD COLUMN previous_secret_until bigint,
                    ADD COLUMN failure_count integer NOT NULL DEFAULT 0,
                    ADD COLUMN failing_since bigint,
                    ADD COLUMN last_delivery_at bigint,
                    ADD COLUMN last_delivery_status text,
                    ADD COLUMN total_deliveries bigint NOT NULL DEFAULT 0,
                    ADD COLUMN total_failures bigint NOT NULL DEFAULT 0,
                    ADD COLUMN deleted_at bigint,
                    ADD COLUMN seq bigint GENERATED BY DEFAULT AS IDENTITY
                """,
                "UPDATE webhook_endpoints SET id = hookd_v3_endpoint_id(app_id)",
                "ALTER TABLE webhook_endpoints ALTER COLUMN id SET NOT NULL",
                "ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_pkey",
                "ALTER TABLE webhook_endpoints ADD PRIMARY KEY (id)",
                "CREATE UNIQUE INDEX webhook_endpoints_v3 ON webhook_endpoints (app_id) WHERE format = 'V3'",
                """
                CREATE INDEX webhook_endpoints_by_app ON webhook_endpoints (app_id, seq)
                WHERE deleted_at IS NULL
                """,
                """
                CREATE TRIGGER webhook_previous_secret_under_the_fence
                BEFORE INSERT OR UPDATE OF previous_sealed_secret ON webhook_endpoints
                FOR EACH ROW EXECUTE FUNCTION hookd_sealed_under_the_fence('previous_sealed_secret')
                """,
                // A delivery goes to one endpoint; an event fans out to one delivery per endpoint subscribed.
                "ALTER TABLE deliveries ADD COLUMN endpoint_id text",
                "UPDATE deliveries SET endpoint_id = hookd_v3_endpoint_id(app_id)",
                "ALTER TABLE deliveries ALTER COLUMN endpoint_id SET NOT NULL",
                "ALTER TABLE deliveries DROP CONSTRAINT deliveries_one_per_event",
                """
                ALTER TABLE deliveries ADD CONSTRAINT deliveries_one_per_endpoint_and_event
                    UNIQUE (app_id, event_id, endpoint_id)
                """,
                "CREATE INDEX deliveries_by_endpoint ON deliveries (endpoint_id, created_at DESC, seq DESC)",
                "DROP INDEX deliveries_ready",
                """
                CREATE INDEX deliveries_ready ON deliveries (endpoint_id, next_attempt_at)
                WHERE status = 'PENDING' AND lease_id IS NULL
                """,
                // The fair queue is one row per endpoint: one endpoint's backlog or slow receiver never holds back
                // another's, within an app as between apps. `rate_tat` is the endpoint's rate limit state (the
                // theoretical arrival time of its next delivery, Unix milliseconds), shared by every node.
                "DROP TABLE delivery_queues",
                """
                CREATE TABLE delivery_queues (
                    endpoint_id text PRIMARY KEY,
                    app_id text NOT NULL REFERENCES apps (id),
                    ready_at bigint,
                    served_at bigint NOT NULL DEFAULT 0,
                    leased integer NOT NULL DEFAULT 0,
                    rate_tat bigint NOT NULL DEFAULT 0
                )
                """,
                "CREATE INDEX delivery_queues_ready ON delivery_queues (ready_at) WHERE ready_at IS NOT NULL",
                """
                INSERT INTO delivery_queues (endpoint_id, app_id, ready_at, leased)
                SELECT endpoint_id, app_id, min(next_attempt_at) FILTER (WHERE lease_id IS NULL),
                       count(*) FILTER (WHERE lease_id IS NOT NULL)
                FROM deliveries WHERE status = 'PENDING' GROUP BY endpoint_id, app_id
                """,
                "ALTER TABLE queue_wakeups ADD COLUMN endpoint_id text",
                "UPDATE queue_wakeups SET endpoint_id = hookd_v3_endpoint_id(app_id)",
                "ALTER TABLE queue_wakeups ALTER COLUMN endpoint_id SET NOT NULL",
                """
                CREATE OR REPLACE FUNCTION hookd_count_leases() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    endpoints text[];
                    apps text[];
                    deltas integer[];
                BEGIN
                    -- A transition table exists only for the operations that have it, so each is read in its branch.
                    IF TG_OP = 'INSERT' THEN
                        SELECT array_agg(endpoint_id ORDER BY endpoint_id), array_agg(app_id ORDER BY endpoint_id),
                               array_agg(n ORDER BY endpoint_id) INTO endpoints, apps, deltas
                        FROM (SELECT endpoint_id, app_id, count(*)::integer AS n FROM new_rows
                              WHERE lease_id IS NOT NULL GROUP BY endpoint_id, app_id) AS c;
                    ELSIF TG_OP = 'UPDATE' THEN
                        SELECT array_agg(endpoint_id ORDER BY endpoint_id), array_agg(app_id ORDER BY endpoint_id),
                               array_agg(n ORDER BY endpoint_id) INTO endpoints, apps, deltas
                        FROM (SELECT endpoint_id, app_id, sum(delta)::integer AS n FROM (
                                  SELECT endpoint_id, app_id, 1 AS delta FROM new_rows WHERE lease_id IS NOT NULL
                                  UNION ALL
                                  SELECT endpoint_id, app_id, -1 FROM old_rows WHERE lease_id IS NOT NULL) AS u
                              GROUP BY endpoint_id, app_id HAVING sum(delta) <> 0) AS c;
                    ELSE
                        SELECT array_agg(endpoint_id ORDER BY endpoint_id), array_agg(app_id ORDER BY endpoint_id),
                               array_agg(n ORDER BY endpoint_id) INTO endpoints, apps, deltas
                        FROM (SELECT endpoint_id, app_id, -count(*)::integer AS n FROM old_rows
                              WHERE lease_id IS NOT NULL GROUP BY endpoint_id, app_id) AS c;
                    END IF;
                    FOR i IN 1 .. coalesce(array_length(endpoints, 1), 0) LOOP
                        INSERT INTO delivery_queues AS q (endpoint_id, app_id, leased)
                        VALUES (endpoints[i], apps[i], deltas[i])
                        ON CONFLICT (endpoint_id) DO UPDATE SET leased = q.leased + excluded.leased;
                    END LOOP;
                    RETURN NULL;
                END
                $$
                """,
            ]
        ),
        Migration(
            id: "0009_portal",
            statements: [
                // The operator's activity chart counts every app's attempts of the last day. Attempts are written
                // in about the order they start, so a block-range index finds them for almost nothing per insert.
                "CREATE INDEX delivery_attempts_by_time ON delivery_attempts USING brin (started_at)",
                // The portal shows the headers each attempt was sent with (no default rewrites the table).
                "ALTER TABLE delivery_attempts ADD COLUMN request_headers text NOT NULL DEFAULT ''",
            ]
        ),
        Migration(
            id: "0010_lease_releases_appended",
            statements: [
                // A release no longer updates the endpoint's queue row: it appends its count here, and the next claim
                // folds it into `leased` (as publishes append wakeups). So an attempt's record never waits for the
                // lock a claimer holds on that row, nor a claimer for a record. Until folded, `leased` counts the
                // released leases still: a claim may find less room than there is, never more. The statements that
                // release append here themselves (0012 takes away the triggers that counted before).
                """
                CREATE TABLE lease_releases (
                    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    endpoint_id text NOT NULL,
                    app_id text NOT NULL,
                    released integer NOT NULL
                )
                """
            ]
        ),
        Migration(
            id: "0011_attempts_checked_by_their_statement",
            statements: [
                // An attempt is written only by the statement that records it, joined to the delivery row it has just
                // updated under the attempt's lease, and retention deletes a delivery with its attempts in one
                // statement. The foreign key checked the same thing again for every attempt, locking the delivery
                // row (a WAL record each): up to a third of the time of recording a batch, measured.
                "ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_delivery_id_fkey"
            ]
        ),
        Migration(
            id: "0012_leases_counted_by_their_statements",
            statements: [
                // Every statement that leases or gives a lease back now counts it itself: a claim on the queue row
                // it holds, a publish that writes a delivery leased on its queue row, and everything that releases
                // (a record, an expiry, a deleted endpoint, a restart) by appending to `lease_releases`. The triggers
                // did the same from transition tables on every update of `deliveries`, at a cost on every record.
                "DROP TRIGGER deliveries_leased_on_insert ON deliveries",
                "DROP TRIGGER deliveries_leased_on_update ON deliveries",
                "DROP TRIGGER deliveries_leased_on_delete ON deliveries",
                "DROP FUNCTION hookd_count_leases()",
            ]
        ),
        Migration(
            id: "0013_cancelled_deliveries_allowed",
            statements: [
                // Deleting an endpoint cancels its pending deliveries (0008), but the status check of 0002 still
                // refused `CANCELLED`, so deleting an endpoint with deliveries pending failed on PostgreSQL.
                "ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_known",
                """
                ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_known
                    CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'CANCELLED'))
                """,
            ]
        ),
        Migration(
            id: "0014_apps_take_turns",
            statements: [
                // A tenant is an app, however many endpoints it has (SPEC §13). Apps take turns, least recently served
                // first (`served_at`); a claimer locks the rows of the apps it serves (`SKIP LOCKED`: two claimers
                // never serve one app at once), then every queue row of those apps, and counts the app's leases as
                // the sum of its endpoints' `leased`. A fold adds the row of an app it sees first.
                """
                CREATE TABLE app_queues (
                    app_id text PRIMARY KEY REFERENCES apps (id),
                    served_at bigint NOT NULL DEFAULT 0
                )
                """,
                "INSERT INTO app_queues (app_id) SELECT id FROM apps",
                "CREATE INDEX delivery_queues_by_app ON delivery_queues (app_id)",
            ]
        ),
        Migration(
            id: "0015_dispatchers",
            statements: [
                // The dispatchers sharing the queue, each noting itself every few seconds: each node holds its share of
                // an app's and an endpoint's request slots, so the caps hold across nodes (SPEC §13).
                "CREATE TABLE dispatchers (id text PRIMARY KEY, seen_at bigint NOT NULL)"
            ]
        ),
        Migration(
            id: "0016_secrets_out_of_the_clear",
            statements: [
                // An endpoint's custom headers (a receiver's `Authorization`, say) are sealed like its secret, under
                // the fence, in `sealed_headers`. `headers` keeps only what was written before this: the first start
                // with the master key seals it and empties it (`sealHeadersKeptInClear`), as a migration cannot,
                // holding no key.
                "ALTER TABLE webhook_endpoints ADD COLUMN sealed_headers bytea",
                """
                CREATE TRIGGER webhook_headers_under_the_fence
                BEFORE INSERT OR UPDATE OF sealed_headers ON webhook_endpoints
                FOR EACH ROW EXECUTE FUNCTION hookd_sealed_under_the_fence('sealed_headers')
                """,
            ],
            // The headers kept with failed attempts lose their credentials and MACs.
            rewrite: { connection, logger in try await redactAttemptHeaders(connection, logger: logger) }
        ),
        Migration(
            id: "0017_write_probe",
            statements: [
                // `GET /health` writes here now and then, so that a database that cannot write is seen before a
                // publish fails on it.
                "CREATE TABLE write_probe (id integer PRIMARY KEY, probed_at bigint NOT NULL)"
            ]
        ),
        Migration(
            id: "0018_operational_webhooks",
            statements: [
                // When the current run of failures was warned about (`webhook.endpoint.failing`, SPEC §14): set once
                // per run, in the statement that records the attempt, so the warning is sent once whichever node
                // records it; cleared when an attempt succeeds or the endpoint is enabled.
                "ALTER TABLE webhook_endpoints ADD COLUMN failing_warned_at bigint",
                // The operator's list of failing endpoints across apps (`GET /internal/endpoints/failing`).
                "CREATE INDEX webhook_endpoints_failing ON webhook_endpoints (failing_since) WHERE failing_since IS NOT NULL",
            ]
        ),
        Migration(
            id: "0019_event_trace_parent",
            statements: [
                // The `traceparent` of the span that published the event (`--otel-endpoint`), so that its attempts,
                // made later and perhaps by another node, join its trace. NULL when telemetry is off.
                "ALTER TABLE events ADD COLUMN trace_parent text"
            ]
        ),
        Migration(
            id: "0020_ed25519_endpoints",
            statements: [
                // SPEC §15: how an endpoint's deliveries are signed, and for an ED25519 endpoint the unguessable token
                // of its public keys' URL, looked up without an app (the URL is unauthenticated).
                "ALTER TABLE webhook_endpoints ADD COLUMN signing_scheme text NOT NULL DEFAULT 'HMAC'",
                "ALTER TABLE webhook_endpoints ADD COLUMN public_keys_token text",
                """
                CREATE UNIQUE INDEX webhook_endpoints_by_public_keys_token ON webhook_endpoints (public_keys_token)
                WHERE public_keys_token IS NOT NULL
                """,
            ]
        ),
        Migration(
            id: "0021_ordering_keys",
            statements: [
                // SPEC §15: an endpoint's ordering, and each keyed delivery's key and place (from one sequence, taken
                // while its line's row is locked, so places follow the order publishes took the line). A keyed
                // delivery waiting behind an earlier one of its key is PENDING with no next attempt.
                "ALTER TABLE webhook_endpoints ADD COLUMN ordering text NOT NULL DEFAULT 'NONE'",
                "ALTER TABLE deliveries ADD COLUMN ordering_key text",
                "ALTER TABLE deliveries ADD COLUMN ordering_seq bigint",
                "CREATE SEQUENCE delivery_ordering_seq",
                """
                CREATE INDEX deliveries_waiting ON deliveries (endpoint_id, ordering_key, ordering_seq)
                WHERE status = 'PENDING' AND next_attempt_at IS NULL AND ordering_key IS NOT NULL
                """,
                // Per endpoint and key, the deliveries not yet SUCCEEDED or FAILED (the one that may be sent, and
                // those waiting). Counted under the row's lock by publishes, records and requeues.
                """
                CREATE TABLE ordering_lines (
                    endpoint_id text NOT NULL,
                    ordering_key text NOT NULL,
                    unsettled integer NOT NULL,
                    PRIMARY KEY (endpoint_id, ordering_key)
                )
                """,
                // A line whose head settled while others wait: the next claim's fold lets the first waiting one go.
                // Appended by records and requeues, whose snapshot may not see a delivery published meanwhile.
                """
                CREATE TABLE line_releases (
                    seq bigserial PRIMARY KEY,
                    endpoint_id text NOT NULL,
                    app_id text NOT NULL,
                    ordering_key text NOT NULL
                )
                """,
            ]
        ),
    ]

    /// Redacts the headers kept with attempts (``HeaderRedaction``), a batch at a time in key order.
    private static func redactAttemptHeaders(_ connection: PostgresConnection, logger: Logger) async throws {
        var after: (deliveryID: String, number: Int) = ("", -1)
        while true {
            let rows = try await connection.query(
                """
                SELECT delivery_id, number, request_headers FROM delivery_attempts
                WHERE (delivery_id, number) > (\(after.deliveryID), \(after.number)) AND request_headers <> ''
                ORDER BY delivery_id, number LIMIT 500
                """,
                logger: logger
            ).collect()
            guard !rows.isEmpty else { return }
            for row in rows {
                let (deliveryID, number, stored) = try row.decode((String, Int, String).self)
                after = (deliveryID, number)
                let redacted = HeaderRedaction.redacted(lines: stored)
                guard redacted != stored else { continue }
                try await connection.query(
                    """
                    UPDATE delivery_attempts SET request_headers = \(redacted)
                    WHERE delivery_id = \(deliveryID) AND number = \(number)
                    """,
                    logger: logger
                ).consume()
            }
        }
    }

    /// The first half of the advisory lock every hookd process takes while migrating ("hook" in ASCII); the second
    /// half is the hash of the schema being migrated, so deployments in separate schemas never wait for each other.
    static let lockKey: Int32 = 0x68_6F_6F_6B

    /// Applies the missing migrations on `connection` in one transaction holding ``lockKey``.
    ///
    /// Processes that start together queue on the lock; each then finds the migrations recorded by the one before
    /// it and applies nothing. PostgreSQL's DDL is transactional, so a failure leaves the schema as it was.
    /// - Returns: The identifiers applied by this call.
    /// - Throws: ``StoreError/schemaNewerThanBinary(applied:)`` when `hookd_migrations` lists an unknown migration.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws -> [String] {
        try await connection.query("BEGIN", logger: logger).consume()
        do {
            let applied = try await migrateInTransaction(connection, logger: logger)
            try await connection.query("COMMIT", logger: logger).consume()
            return applied
        } catch {
            try? await connection.query("ROLLBACK", logger: logger).consume()
            throw error
        }
    }

    private static func migrateInTransaction(_ connection: PostgresConnection, logger: Logger) async throws -> [String]
    {
        // Waiting for another process's migrations, and a migration that rewrites a large table, are expected to take
        // longer than a request's query and lock timeouts: neither is bounded here (the lock is released with that
        // process).
        try await connection.query("SET LOCAL statement_timeout = 0", logger: logger).consume()
        try await connection.query("SET LOCAL lock_timeout = 0", logger: logger).consume()
        try await connection.query("SET LOCAL idle_in_transaction_session_timeout = 0", logger: logger).consume()
        // Released by COMMIT or ROLLBACK, even if this process dies.
        try await connection.query(
            "SELECT pg_advisory_xact_lock(\(lockKey), hashtext(current_schema()))",
            logger: logger
        ).consume()
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS hookd_migrations (
                id text PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        ).consume()
        var recorded = Set<String>()
        for try await id in try await connection.query("SELECT id FROM hookd_migrations", logger: logger)
            .decode(String.self)
        {
            recorded.insert(id)
        }
        let unknown = recorded.subtracting(all.map(\.id))
        guard unknown.isEmpty else { throw StoreError.schemaNewerThanBinary(applied: unknown.sorted()) }

        var applied: [String] = []
        for migration in all where !recorded.contains(migration.id) {
            for statement in migration.statements {
                // The schema's own text, never data.
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).consume()
            }
            try await migration.rewrite?(connection, logger)
            try await connection.query("INSERT INTO hookd_migrations (id) VALUES (\(migration.id))", logger: logger)
                .consume()
            applied.append(migration.id)
        }
        return applied
    }
}
