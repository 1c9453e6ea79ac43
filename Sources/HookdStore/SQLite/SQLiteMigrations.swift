import GRDB

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
        return migrator
    }
}
