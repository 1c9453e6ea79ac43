public import HookdCore
import PostgresNIO

extension PostgresStore: SealedValueStore {
    public func serverSecret(name: String, orInsert makeSealed: @Sendable () throws -> [UInt8]) async throws -> [UInt8]
    {
        let candidate = try makeSealed()
        let inserted = try await rows(
            """
            INSERT INTO server_secrets (name, sealed) VALUES (\(name), \(ByteBuffer(bytes: candidate)))
            ON CONFLICT (name) DO NOTHING RETURNING sealed
            """
        )
        if let row = inserted.first {
            return Array(try row.decode(ByteBuffer.self).readableBytesView)
        }
        // Another process won the insert; this statement's fresh snapshot sees its committed row.
        guard let row = try await rows("SELECT sealed FROM server_secrets WHERE name = \(name)").first else {
            throw StoreError.corruptRow(table: "server_secrets")
        }
        return Array(try row.decode(ByteBuffer.self).readableBytesView)
    }

    public func sealingKeyIdentifier(settingIfAbsent identifier: [UInt8]) async throws -> [UInt8] {
        if let row = try await rows("SELECT key_identifier FROM master_key_fence").first {
            return Array(try row.decode(ByteBuffer.self).readableBytesView)
        }
        try await execute(
            """
            INSERT INTO master_key_fence (key_identifier) VALUES (\(ByteBuffer(bytes: identifier)))
            ON CONFLICT (id) DO NOTHING
            """
        )
        guard let row = try await rows("SELECT key_identifier FROM master_key_fence").first else {
            throw StoreError.corruptRow(table: "master_key_fence")
        }
        return Array(try row.decode(ByteBuffer.self).readableBytesView)
    }

    public func resealAll(
        under identifier: [UInt8],
        _ reseal: @Sendable (_ sealed: [UInt8], _ purpose: String) throws -> [UInt8]
    ) async throws -> Int {
        // Re-sealing every secret takes as long as there are secrets; it is an operator's command, not a request.
        try await withUntimedTransaction { connection in
            try await connection.query("SET LOCAL statement_timeout = 0", logger: logger).consume()
            try await connection.query(
                """
                INSERT INTO master_key_fence (key_identifier) VALUES (\(ByteBuffer(bytes: identifier)))
                ON CONFLICT (id) DO UPDATE SET key_identifier = excluded.key_identifier
                """,
                logger: logger
            ).consume()
            var count = 0
            for sealedColumn in SealedColumn.all {
                let update = sealedColumn.update { "$\($0)" }
                let rows = try await connection.query(
                    PostgresQuery(unsafeSQL: sealedColumn.selection + " FOR UPDATE"),
                    logger: logger
                ).collect()
                for row in rows {
                    let row = row.makeRandomAccess()
                    let keys = try sealedColumn.keyColumns.map { try row[$0].decode(String.self) }
                    let resealed = try reseal(try row.bytes("sealed"), sealedColumn.purpose(keys))
                    var bindings = PostgresBindings()
                    bindings.append(ByteBuffer(bytes: resealed))
                    for key in keys { bindings.append(key) }
                    try await connection.query(PostgresQuery(unsafeSQL: update, binds: bindings), logger: logger)
                        .consume()
                    count += 1
                }
            }
            return count
        }
    }

    public func sealHeadersKeptInClear(
        _ seal: @Sendable (_ headersJSON: String, _ appID: AppID, _ endpointID: EndpointID) throws -> [UInt8]
    ) async throws -> Int {
        let rows = try await rows(
            "SELECT id, app_id, headers, sealed_headers IS NULL FROM webhook_endpoints WHERE headers <> '{}'"
        )
        var count = 0
        for row in rows {
            let (id, appID, headers, unsealed) = try row.decode((EndpointID, AppID, String, Bool).self)
            // Headers sealed since (by a node that had them from the API) are newer than the clear ones.
            let sealed = unsealed ? ByteBuffer(bytes: try seal(headers, appID, id)) : nil
            // Only while the row still holds what was sealed: another node may have sealed it meanwhile.
            try await execute(
                """
                UPDATE webhook_endpoints SET sealed_headers = COALESCE(sealed_headers, \(sealed)::bytea), headers = '{}'
                WHERE id = \(id) AND headers = \(headers)
                """
            )
            count += 1
        }
        return count
    }
}
