import GRDB
public import HookdCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
public import Foundation
#endif

extension SQLiteStore: SealedValueStore {
    public func serverSecret(name: String, orInsert makeSealed: @Sendable () throws -> [UInt8]) async throws -> [UInt8]
    {
        let candidate = try makeSealed()
        return try await writeSealed { db in
            try db.execute(
                sql: "INSERT INTO server_secrets (name, sealed) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                arguments: [name, Data(candidate)]
            )
            guard
                let stored = try Data.fetchOne(
                    db,
                    sql: "SELECT sealed FROM server_secrets WHERE name = ?",
                    arguments: [name]
                )
            else { throw StoreError.corruptRow(table: "server_secrets") }
            return Array(stored)
        }
    }

    public func sealingKeyIdentifier(settingIfAbsent identifier: [UInt8]) async throws -> [UInt8] {
        // Read on every seal; the writer is taken only while no fence is set yet (a new database).
        if let fence = try await pool.read({ db in
            try Data.fetchOne(db, sql: "SELECT key_identifier FROM master_key_fence")
        }) {
            return Array(fence)
        }
        return try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO master_key_fence (id, key_identifier) VALUES (1, ?) ON CONFLICT (id) DO NOTHING",
                arguments: [Data(identifier)]
            )
            guard let fence = try Data.fetchOne(db, sql: "SELECT key_identifier FROM master_key_fence") else {
                throw StoreError.corruptRow(table: "master_key_fence")
            }
            return Array(fence)
        }
    }

    public func resealAll(
        under identifier: [UInt8],
        _ reseal: @Sendable (_ sealed: [UInt8], _ purpose: String) throws -> [UInt8]
    ) async throws -> Int {
        try await writeSealed { db in
            try db.execute(
                sql: """
                    INSERT INTO master_key_fence (id, key_identifier) VALUES (1, ?)
                    ON CONFLICT (id) DO UPDATE SET key_identifier = excluded.key_identifier
                    """,
                arguments: [Data(identifier)]
            )
            var count = 0
            for sealedColumn in SealedColumn.all {
                let update = sealedColumn.update { _ in "?" }
                for row in try Row.fetchAll(db, sql: sealedColumn.selection) {
                    let keys: [String] = sealedColumn.keyColumns.map { row[$0] }
                    let resealed = try reseal(Array(row["sealed"] as Data), sealedColumn.purpose(keys))
                    try db.execute(
                        sql: update,
                        arguments: StatementArguments([Data(resealed) as any DatabaseValueConvertible] + keys)
                    )
                    count += 1
                }
            }
            return count
        }
    }

    public func sealHeadersKeptInClear(
        _ seal: @Sendable (_ headersJSON: String, _ appID: AppID, _ endpointID: EndpointID) throws -> [UInt8]
    ) async throws -> Int {
        let count = try await writeSealed { db in
            var count = 0
            try SQLiteMigrations.withSecureDelete(db) {
                let rows = try Row.fetchAll(
                    db,
                    sql: "SELECT id, app_id, headers, sealed_headers IS NULL AS unsealed FROM webhook_endpoints "
                        + "WHERE headers <> '{}'"
                )
                for row in rows {
                    let headers: String = row["headers"]
                    // Headers sealed since (by a node that had them from the API) are newer than the clear ones.
                    let sealed: Data? = row["unsealed"] ? Data(try seal(headers, row["app_id"], row["id"])) : nil
                    try db.execute(
                        sql: """
                            UPDATE webhook_endpoints SET sealed_headers = coalesce(sealed_headers, ?), headers = '{}'
                            WHERE id = ? AND headers = ?
                            """,
                        arguments: [sealed, row["id"], headers]
                    )
                    count += 1
                }
            }
            return count
        }
        if count > 0 {
            // The clear values' pages may still be in the write-ahead log's old frames.
            try await pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        }
        return count
    }
}
