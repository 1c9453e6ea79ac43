public import HookdCore
import PostgresNIO

extension PostgresStore: WebhookConfigurationStore {
    public func webhookConfiguration(appID: AppID) async throws -> WebhookConfiguration? {
        try await rows(
            """
            SELECT \(unescaped: Self.endpointColumns)
            FROM webhook_endpoints WHERE id = \(Identifiers.v3WebhookID(appID: appID))
            """
        ).first.map(Self.configuration(from:))
    }

    public func setWebhookURL(
        appID: AppID,
        url: String?,
        initialSecret: SealedSecretChange,
        now: UnixSeconds
    ) async throws -> (endpoint: WebhookConfiguration, createdSecret: Bool) {
        let id = Identifiers.v3WebhookID(appID: appID)
        return try await withTransaction { [logger] connection in
            // The upsert locks the row until commit, so what it returns is what the next statement sees.
            let upserted = try await connection.query(
                """
                INSERT INTO webhook_endpoints
                    (id, app_id, format, url, sealed_secret, secret_version, created_at, updated_at)
                VALUES (\(id), \(appID), 'V3', \(url)::text, NULL, 0, \(now), \(now))
                ON CONFLICT (id) DO UPDATE SET url = excluded.url, updated_at = excluded.updated_at
                RETURNING \(unescaped: Self.endpointColumns)
                """,
                logger: logger
            ).collect()
            guard let row = upserted.first else { throw StoreError.corruptRow(table: "webhook_endpoints") }
            let endpoint = try Self.configuration(from: row)
            if url != nil {
                // Deliveries held while the app had no URL are due now; the dispatchers hear of it at commit.
                try await connection.query("SELECT pg_notify(\(Self.publishChannel), '')", logger: logger).consume()
            }
            guard url != nil, endpoint.sealedSecret == nil else { return (endpoint, false) }
            let created = try await connection.query(
                """
                WITH stored AS (
                    UPDATE webhook_endpoints
                    SET sealed_secret = \(ByteBuffer(bytes: initialSecret.sealedSecret)),
                        secret_prefix = \(initialSecret.secretPrefix)::text, secret_version = secret_version + 1
                    WHERE id = \(id) AND sealed_secret IS NULL
                    RETURNING \(unescaped: Self.endpointColumns)
                ), audit AS (
                    INSERT INTO secret_audit
                        (app_id, action, secret_version, fingerprint, request_id, client_address, at)
                    SELECT app_id, \(SecretAuditRecord.Action.created.rawValue), secret_version,
                           \(initialSecret.fingerprint), \(initialSecret.requestID),
                           \(initialSecret.clientAddress)::text, \(now)
                    FROM stored
                )
                SELECT \(unescaped: Self.endpointColumns) FROM stored
                """,
                logger: logger
            ).collect()
            guard let row = created.first else { throw StoreError.corruptRow(table: "webhook_endpoints") }
            return (try Self.configuration(from: row), true)
        }
    }

    public func replaceWebhookSecret(
        appID: AppID,
        change: SealedSecretChange,
        now: UnixSeconds,
        idempotencyKey: IdempotencyKey?
    ) async throws -> SecretReplacement {
        do {
            return try await withTransaction { [logger] connection in
                if let idempotencyKey {
                    // Claims the key. A concurrent call holding it makes this insert wait until it commits (then the
                    // key is taken and its answer read below) or rolls back (then this call claims it). An expired
                    // key is taken over.
                    let claimed = try await connection.query(
                        """
                        INSERT INTO idempotency_keys AS k (app_id, scope, key, response, responded_at, created_at)
                        VALUES (\(appID), 'regenerate', \(idempotencyKey.key), \(ByteBuffer(bytes: change.sealedSecret)),
                                \(now), \(now))
                        ON CONFLICT (app_id, scope, key) DO UPDATE
                            SET response = excluded.response, responded_at = excluded.responded_at,
                                created_at = excluded.created_at
                            WHERE k.created_at < \(idempotencyKey.notBefore)
                        RETURNING 1
                        """,
                        logger: logger
                    ).collect()
                    if claimed.isEmpty {
                        let earlier = try await connection.query(
                            """
                            SELECT response, responded_at FROM idempotency_keys
                            WHERE app_id = \(appID) AND scope = 'regenerate' AND key = \(idempotencyKey.key)
                            """,
                            logger: logger
                        ).collect()
                        guard let row = earlier.first?.makeRandomAccess() else {
                            throw StoreError.corruptRow(table: "idempotency_keys")
                        }
                        return .repeated(
                            sealedSecret: try row.bytes("response"),
                            regeneratedAt: try row.decode("responded_at")
                        )
                    }
                }
                let replaced = try await connection.query(
                    """
                    WITH replaced AS (
                        UPDATE webhook_endpoints
                        SET sealed_secret = \(ByteBuffer(bytes: change.sealedSecret)),
                            secret_prefix = \(change.secretPrefix)::text, secret_version = secret_version + 1,
                            updated_at = \(now), previous_sealed_secret = NULL, previous_secret_until = NULL
                        WHERE id = \(Identifiers.v3WebhookID(appID: appID)) AND url IS NOT NULL
                        RETURNING \(unescaped: Self.endpointColumns)
                    ), audit AS (
                        INSERT INTO secret_audit
                            (app_id, action, secret_version, fingerprint, request_id, client_address, at)
                        SELECT app_id, \(SecretAuditRecord.Action.regenerated.rawValue), secret_version,
                               \(change.fingerprint), \(change.requestID), \(change.clientAddress)::text, \(now)
                        FROM replaced
                    )
                    SELECT \(unescaped: Self.endpointColumns) FROM replaced
                    """,
                    logger: logger
                ).collect()
                // No URL: roll back, so that the key (if any) is not spent on a call that changed nothing.
                guard let row = replaced.first else { throw NotConfigured() }
                return .replaced(try Self.configuration(from: row))
            }
        } catch is NotConfigured {
            return .notConfigured
        }
    }

    /// Rolls back a regeneration for an app without a URL.
    private struct NotConfigured: Error {}

    public func secretAuditRecords(appID: AppID) async throws -> [SecretAuditRecord] {
        try await rows(
            """
            SELECT app_id, action, secret_version, fingerprint, request_id, client_address, at
            FROM secret_audit WHERE app_id = \(appID) ORDER BY id
            """
        ).map { row in
            let row = row.makeRandomAccess()
            guard let action = SecretAuditRecord.Action(rawValue: try row.decode("action")) else {
                throw StoreError.corruptRow(table: "secret_audit")
            }
            return SecretAuditRecord(
                appID: try row.decode("app_id"),
                action: action,
                secretVersion: try row.decode("secret_version"),
                fingerprint: try row.decode("fingerprint"),
                requestID: try row.decode("request_id"),
                clientAddress: try row.decode("client_address"),
                at: try row.decode("at")
            )
        }
    }

    /// The configuration in the app's v3 endpoint's row (``endpointColumns``).
    private static func configuration(from row: PostgresRow) throws -> WebhookConfiguration {
        WebhookConfiguration(try storedEndpoint(from: row))
    }
}
