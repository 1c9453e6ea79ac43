import GRDB
import HookdCore

/// The SQLite schema, as numbered migrations. Append new ones; never edit one that has shipped.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001_apps_webhooks_tokens") { db in
            try db.execute(
                sql: """
                    CREATE TABLE apps (
                        id TEXT PRIMARY KEY NOT NULL,
                        business_id TEXT NOT NULL,
                        name TEXT NOT NULL,
                        type TEXT NOT NULL,
                        status TEXT NOT NULL,
                        scopes TEXT NOT NULL,
                        secret_key_digest BLOB NOT NULL,
                        created_at INTEGER NOT NULL
                    ) STRICT;
                    CREATE TABLE webhook_endpoints (
                        app_id TEXT PRIMARY KEY NOT NULL REFERENCES apps(id),
                        url TEXT,
                        sealed_secret BLOB,
                        secret_version INTEGER NOT NULL DEFAULT 0,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    ) STRICT;
                    CREATE TABLE secret_audit (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        app_id TEXT NOT NULL REFERENCES apps(id),
                        action TEXT NOT NULL,
                        secret_version INTEGER NOT NULL,
                        fingerprint TEXT NOT NULL,
                        request_id TEXT NOT NULL,
                        client_address TEXT,
                        at INTEGER NOT NULL
                    ) STRICT;
                    CREATE INDEX secret_audit_by_app ON secret_audit(app_id, id);
                    CREATE TABLE revoked_tokens (
                        jti TEXT PRIMARY KEY NOT NULL,
                        expires_at INTEGER NOT NULL
                    ) STRICT;
                    CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens(expires_at);
                    CREATE TABLE rate_limits (
                        key TEXT PRIMARY KEY NOT NULL,
                        theoretical_arrival_ms INTEGER NOT NULL
                    ) STRICT;
                    CREATE TABLE server_secrets (
                        name TEXT PRIMARY KEY NOT NULL,
                        sealed BLOB NOT NULL
                    ) STRICT;
                    """
            )
        }
        migrator.registerMigration("0002_events_deliveries") { db in
            try db.execute(
                sql: """
                    CREATE TABLE events (
                        app_id TEXT NOT NULL REFERENCES apps(id),
                        event_id TEXT NOT NULL,
                        event TEXT NOT NULL,
                        data BLOB NOT NULL,
                        created_at INTEGER NOT NULL,
                        PRIMARY KEY (app_id, event_id)
                    ) STRICT, WITHOUT ROWID;
                    CREATE TABLE deliveries (
                        id TEXT PRIMARY KEY NOT NULL,
                        app_id TEXT NOT NULL,
                        event_id TEXT NOT NULL,
                        event TEXT NOT NULL,
                        status TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        attempts_allowed INTEGER NOT NULL,
                        next_attempt_at INTEGER,
                        locked_until INTEGER,
                        lease_id TEXT,
                        last_attempt_at INTEGER,
                        last_http_status INTEGER,
                        is_test INTEGER NOT NULL DEFAULT 0,
                        created_at INTEGER NOT NULL,
                        FOREIGN KEY (app_id, event_id) REFERENCES events(app_id, event_id)
                    ) STRICT;
                    CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status = 'PENDING';
                    CREATE INDEX deliveries_by_app ON deliveries(app_id, created_at DESC);
                    CREATE INDEX deliveries_by_lease ON deliveries(lease_id) WHERE lease_id IS NOT NULL;
                    CREATE TABLE delivery_attempts (
                        delivery_id TEXT NOT NULL REFERENCES deliveries(id),
                        number INTEGER NOT NULL,
                        started_at INTEGER NOT NULL,
                        latency_ms INTEGER NOT NULL,
                        http_status INTEGER,
                        error TEXT,
                        response_body BLOB NOT NULL,
                        secret_version INTEGER NOT NULL,
                        PRIMARY KEY (delivery_id, number)
                    ) STRICT, WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("0003_fair_delivery_queues") { db in
            // One queue row per app. `ready_at` is the earliest due time of the app's pending deliveries that no
            // one holds, or NULL when it has none; it may be earlier than that (a claim then finds nothing and
            // corrects it), never later. Claims read apps by it and serve them least recently served first.
            // Deliveries a dispatcher holds leave the index claims read (`deliveries_ready`); the leased ones have
            // their own small index, for counting an app's attempts in flight and releasing expired leases. Nothing
            // looks a delivery up by its lease any more (claims read their deliveries by id).
            try db.execute(
                sql: """
                    CREATE TABLE delivery_queues (
                        app_id TEXT PRIMARY KEY NOT NULL REFERENCES apps(id),
                        ready_at INTEGER,
                        served_at INTEGER NOT NULL DEFAULT 0
                    ) STRICT, WITHOUT ROWID;
                    CREATE INDEX delivery_queues_ready ON delivery_queues(ready_at) WHERE ready_at IS NOT NULL;
                    INSERT INTO delivery_queues (app_id, ready_at)
                        SELECT app_id, min(next_attempt_at) FROM deliveries WHERE status = 'PENDING' GROUP BY app_id;
                    DROP INDEX deliveries_due;
                    DROP INDEX deliveries_by_lease;
                    CREATE INDEX deliveries_ready ON deliveries(app_id, next_attempt_at)
                        WHERE status = 'PENDING' AND lease_id IS NULL;
                    CREATE INDEX deliveries_leased ON deliveries(app_id, locked_until) WHERE lease_id IS NOT NULL;
                    """
            )
        }
        migrator.registerMigration("0004_hardening") { db in
            // Tokens issued before `tokens_not_before` (Unix seconds) are refused; manual retries per delivery are
            // counted; idempotency keys keep the first answer of a regeneration (its sealed secret) for a day;
            // retention deletes finished deliveries by age, and stale rate limits.
            try db.execute(
                sql: """
                    ALTER TABLE apps ADD COLUMN tokens_not_before INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE deliveries ADD COLUMN manual_retries INTEGER NOT NULL DEFAULT 0;
                    CREATE TABLE idempotency_keys (
                        app_id TEXT NOT NULL REFERENCES apps(id),
                        scope TEXT NOT NULL,
                        key TEXT NOT NULL,
                        response BLOB NOT NULL,
                        responded_at INTEGER NOT NULL,
                        created_at INTEGER NOT NULL,
                        PRIMARY KEY (app_id, scope, key)
                    ) STRICT, WITHOUT ROWID;
                    CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at);
                    CREATE INDEX deliveries_finished ON deliveries(created_at) WHERE status IN ('SUCCEEDED', 'FAILED');
                    CREATE INDEX rate_limits_by_arrival ON rate_limits(theoretical_arrival_ms);
                    """
            )
        }
        migrator.registerMigration("0005_master_key_fence") { db in
            // The identifier of the master key that seals (a sealed value's bytes 2–9), set at first start and
            // moved by a rotation in the transaction that re-seals; a value sealed under any other key is refused,
            // so a process still holding an outdated key cannot seal what the others will not open. A database from
            // before this migration is fenced at the key its own key check is sealed under.
            try db.execute(
                sql: """
                    CREATE TABLE master_key_fence (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        key_identifier BLOB NOT NULL
                    ) STRICT;
                    INSERT INTO master_key_fence (id, key_identifier)
                        SELECT 1, substr(sealed, 2, 8) FROM server_secrets WHERE name = 'master-key-check';
                    """
            )
            let sealedColumns = [
                ("webhook_endpoints", "sealed_secret"), ("server_secrets", "sealed"), ("idempotency_keys", "response"),
            ]
            for (table, column) in sealedColumns {
                try fence(db, table: table, column: column)
            }
        }
        migrator.registerMigration("0008_endpoints") { db in
            try migrateToEndpoints(db)
        }
        migrator.registerMigration("0009_portal") { db in
            // The operator's activity chart counts every app's attempts of the last day; the portal shows the
            // headers each attempt was sent with.
            try db.execute(
                sql: """
                    CREATE INDEX delivery_attempts_by_time ON delivery_attempts(started_at);
                    ALTER TABLE delivery_attempts ADD COLUMN request_headers TEXT NOT NULL DEFAULT '';
                    """
            )
        }
        migrator.registerMigration("0010_apps_take_turns") { db in
            // A tenant is an app, however many endpoints it has (SPEC §13): apps take turns, least recently served
            // first (`app_queues.served_at`), then an app's endpoints take turns (`delivery_queues.served_at`), and
            // a claim counts an app's leases across all its endpoints (`deliveries_leased_by_app`). An app has a row
            // once it is first served.
            try db.execute(
                sql: """
                    CREATE TABLE app_queues (
                        app_id TEXT PRIMARY KEY NOT NULL REFERENCES apps(id),
                        served_at INTEGER NOT NULL DEFAULT 0
                    ) STRICT, WITHOUT ROWID;
                    CREATE INDEX deliveries_leased_by_app ON deliveries(app_id) WHERE lease_id IS NOT NULL;
                    """
            )
        }
        migrator.registerMigration("0011_secrets_out_of_the_clear") { db in
            // An endpoint's custom headers (a receiver's `Authorization`, say) are sealed like its secret, under the
            // fence, in `sealed_headers`. `headers` keeps only what was written before this: the first start with the
            // master key seals it and empties it (``SealedValueStore/sealHeadersKeptInClear(_:)``), as a migration
            // cannot, holding no key. The headers kept with failed attempts lose their credentials and MACs.
            try db.execute(sql: "ALTER TABLE webhook_endpoints ADD COLUMN sealed_headers BLOB")
            try fence(db, table: "webhook_endpoints", column: "sealed_headers")
            try withSecureDelete(db) { try redactAttemptHeaders(db) }
        }
        migrator.registerMigration("0012_write_probe") { db in
            // `GET /health` writes here now and then, so that a full disk or a read-only file is seen before a
            // publish fails on it.
            try db.execute(
                sql: """
                    CREATE TABLE write_probe (
                        id INTEGER PRIMARY KEY NOT NULL,
                        probed_at INTEGER NOT NULL
                    ) STRICT;
                    """
            )
        }
        migrator.registerMigration("0013_operational_webhooks") { db in
            // When the current run of failures was warned about (`webhook.endpoint.failing`, SPEC §14): set once per
            // run, in the transaction that records the attempt; cleared when an attempt succeeds or the endpoint is
            // enabled. The index serves the operator's list of failing endpoints across apps.
            try db.execute(
                sql: """
                    ALTER TABLE webhook_endpoints ADD COLUMN failing_warned_at INTEGER;
                    CREATE INDEX webhook_endpoints_failing ON webhook_endpoints(failing_since)
                        WHERE failing_since IS NOT NULL;
                    """
            )
        }
        migrator.registerMigration("0014_event_trace_parent") { db in
            // The `traceparent` of the span that published the event (`--otel-endpoint`), so that its attempts,
            // made later and perhaps by another node, join its trace. NULL when telemetry is off.
            try db.execute(sql: "ALTER TABLE events ADD COLUMN trace_parent TEXT")
        }
        migrator.registerMigration("0015_ed25519_endpoints") { db in
            // SPEC §15: how an endpoint's deliveries are signed, and for an ED25519 endpoint the unguessable token of
            // its public keys' URL, looked up without an app (the URL is unauthenticated).
            try db.execute(
                sql: """
                    ALTER TABLE webhook_endpoints ADD COLUMN signing_scheme TEXT NOT NULL DEFAULT 'HMAC';
                    ALTER TABLE webhook_endpoints ADD COLUMN public_keys_token TEXT;
                    CREATE UNIQUE INDEX webhook_endpoints_by_public_keys_token ON webhook_endpoints(public_keys_token)
                        WHERE public_keys_token IS NOT NULL;
                    """
            )
        }
        migrator.registerMigration("0016_ordering_keys") { db in
            // SPEC §15: an endpoint's ordering, and each keyed delivery's key. A keyed delivery waiting behind an
            // earlier one of its key is PENDING with no next attempt; `ordering_lines` counts, per endpoint and key,
            // the deliveries not yet SUCCEEDED or FAILED (the one that may be sent, and those waiting), and the
            // waiting ones go in insertion order (rowid).
            try db.execute(
                sql: """
                    ALTER TABLE webhook_endpoints ADD COLUMN ordering TEXT NOT NULL DEFAULT 'NONE';
                    ALTER TABLE deliveries ADD COLUMN ordering_key TEXT;
                    CREATE INDEX deliveries_waiting ON deliveries(endpoint_id, ordering_key)
                        WHERE status = 'PENDING' AND next_attempt_at IS NULL AND ordering_key IS NOT NULL;
                    CREATE TABLE ordering_lines (
                        endpoint_id TEXT NOT NULL,
                        ordering_key TEXT NOT NULL,
                        unsettled INTEGER NOT NULL,
                        PRIMARY KEY (endpoint_id, ordering_key)
                    ) STRICT, WITHOUT ROWID;
                    """
            )
        }
        return migrator
    }

    /// Runs `body` with deleted content overwritten, so that what it replaces does not stay in free space.
    static func withSecureDelete(_ db: Database, _ body: () throws -> Void) throws {
        let previous = try Int.fetchOne(db, sql: "PRAGMA secure_delete") ?? 0
        try db.execute(sql: "PRAGMA secure_delete = ON")
        defer { try? db.execute(sql: "PRAGMA secure_delete = \(previous)") }
        try body()
    }

    /// Redacts the headers kept with attempts (``HeaderRedaction``), a batch at a time in key order.
    private static func redactAttemptHeaders(_ db: Database) throws {
        var after: (deliveryID: String, number: Int) = ("", -1)
        while true {
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT delivery_id, number, request_headers FROM delivery_attempts
                    WHERE (delivery_id, number) > (?, ?) AND request_headers <> ''
                    ORDER BY delivery_id, number LIMIT 500
                    """,
                arguments: [after.deliveryID, after.number]
            )
            guard let last = rows.last else { return }
            for row in rows {
                let stored: String = row["request_headers"]
                let redacted = HeaderRedaction.redacted(lines: stored)
                guard redacted != stored else { continue }
                try db.execute(
                    sql: "UPDATE delivery_attempts SET request_headers = ? WHERE delivery_id = ? AND number = ?",
                    arguments: [redacted, row["delivery_id"], row["number"]]
                )
            }
            after = (last["delivery_id"], last["number"])
        }
    }

    /// Refuses, in the database itself, a value of `table.column` sealed under any key but the fence's.
    private static func fence(_ db: Database, table: String, column: String) throws {
        for (event, name) in [("INSERT", "inserted"), ("UPDATE OF \(column)", "updated")] {
            try db.execute(
                sql: """
                    CREATE TRIGGER \(table)_\(column)_\(name)_under_the_fence BEFORE \(event) ON \(table)
                    WHEN NEW.\(column) IS NOT NULL AND EXISTS (SELECT 1 FROM master_key_fence)
                        AND substr(NEW.\(column), 2, 8) IS NOT (SELECT key_identifier FROM master_key_fence)
                    BEGIN SELECT RAISE(ABORT, '\(SQLiteStore.outdatedMasterKeyMessage)'); END
                    """
            )
        }
    }

    /// Many endpoints per app (SPEC §11): `webhook_endpoints` holds them all, keyed by endpoint id. The app's v3 URL
    /// is its endpoint in the v3 format (`format = 'V3'`, every event, at most one per app, its id derived from the
    /// app's by ``Identifiers/v3WebhookID(appID:)`` so a delivery can name it before the app first sets a URL).
    /// Deliveries name their endpoint, and the fair queue has one row per endpoint.
    private static func migrateToEndpoints(_ db: Database) throws {
        db.add(
            function: DatabaseFunction("hookd_v3_endpoint_id", argumentCount: 1, pure: true) { values in
                AppID.fromDatabaseValue(values[0]).map { Identifiers.v3WebhookID(appID: $0) }
            }
        )
        try db.execute(
            sql: """
                ALTER TABLE apps ADD COLUMN environment TEXT NOT NULL DEFAULT 'LIVE';
                CREATE INDEX apps_by_secret_key ON apps(secret_key_digest);
                DROP INDEX deliveries_finished;
                CREATE INDEX deliveries_finished ON deliveries(created_at)
                    WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELLED');
                CREATE TABLE endpoints_v2 (
                    id TEXT PRIMARY KEY NOT NULL,
                    app_id TEXT NOT NULL REFERENCES apps(id),
                    format TEXT NOT NULL DEFAULT 'V3',
                    url TEXT,
                    description TEXT NOT NULL DEFAULT '',
                    events TEXT,
                    headers TEXT NOT NULL DEFAULT '{}',
                    rate_limit INTEGER,
                    status TEXT NOT NULL DEFAULT 'ACTIVE',
                    disabled_reason TEXT,
                    secret_prefix TEXT,
                    sealed_secret BLOB,
                    secret_version INTEGER NOT NULL DEFAULT 0,
                    previous_sealed_secret BLOB,
                    previous_secret_until INTEGER,
                    failure_count INTEGER NOT NULL DEFAULT 0,
                    failing_since INTEGER,
                    last_delivery_at INTEGER,
                    last_delivery_status TEXT,
                    total_deliveries INTEGER NOT NULL DEFAULT 0,
                    total_failures INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    deleted_at INTEGER
                ) STRICT;
                INSERT INTO endpoints_v2 (id, app_id, url, sealed_secret, secret_version, created_at, updated_at)
                    SELECT hookd_v3_endpoint_id(app_id), app_id, url, sealed_secret, secret_version, created_at,
                           updated_at
                    FROM webhook_endpoints;
                DROP TABLE webhook_endpoints;
                ALTER TABLE endpoints_v2 RENAME TO webhook_endpoints;
                CREATE UNIQUE INDEX webhook_endpoints_v3 ON webhook_endpoints(app_id) WHERE format = 'V3';
                CREATE INDEX webhook_endpoints_by_app ON webhook_endpoints(app_id) WHERE deleted_at IS NULL;

                ALTER TABLE deliveries ADD COLUMN endpoint_id TEXT NOT NULL DEFAULT '';
                UPDATE deliveries SET endpoint_id = hookd_v3_endpoint_id(app_id);
                CREATE INDEX deliveries_by_endpoint ON deliveries(endpoint_id, created_at DESC);
                DROP INDEX deliveries_ready;
                CREATE INDEX deliveries_ready ON deliveries(endpoint_id, next_attempt_at)
                    WHERE status = 'PENDING' AND lease_id IS NULL;
                DROP INDEX deliveries_leased;
                CREATE INDEX deliveries_leased ON deliveries(endpoint_id, locked_until) WHERE lease_id IS NOT NULL;

                DROP TABLE delivery_queues;
                CREATE TABLE delivery_queues (
                    endpoint_id TEXT PRIMARY KEY NOT NULL,
                    app_id TEXT NOT NULL REFERENCES apps(id),
                    ready_at INTEGER,
                    served_at INTEGER NOT NULL DEFAULT 0,
                    rate_tat INTEGER NOT NULL DEFAULT 0
                ) STRICT, WITHOUT ROWID;
                CREATE INDEX delivery_queues_ready ON delivery_queues(ready_at) WHERE ready_at IS NOT NULL;
                INSERT INTO delivery_queues (endpoint_id, app_id, ready_at)
                    SELECT endpoint_id, app_id, min(next_attempt_at) FROM deliveries
                    WHERE status = 'PENDING' AND lease_id IS NULL GROUP BY endpoint_id, app_id;
                """
        )
        // Dropping the table dropped its triggers.
        try fence(db, table: "webhook_endpoints", column: "sealed_secret")
        try fence(db, table: "webhook_endpoints", column: "previous_sealed_secret")
    }
}
