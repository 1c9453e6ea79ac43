import GRDB
import HookdStore
import HookdTestSupport
import Testing

@testable import HookdStore

/// What the embedded store promises of its file: WAL, synced commits, and no schema from a newer hookd.
@Suite struct SQLiteStoreTests {
    @Test func aDatabaseFromANewerHookdIsRefused() async throws {
        try await withTemporarySQLiteFile { path in
            _ = try SQLiteStore(path: path)
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9999_from_the_future')")
            }
            #expect {
                _ = try SQLiteStore(path: path)
            } throws: { error in
                "\(error)".contains("newer") && "\(error)".contains("9999_from_the_future")
            }
        }
    }

    @Test func theDatabaseRunsInWALMode() async throws {
        try await withTemporarySQLiteFile { path in
            _ = try SQLiteStore(path: path)
            let mode = try DatabaseQueue(path: path).read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
            #expect(mode == "wal")
        }
    }

    @Test func sqliteCommitsToDiskBeforeAnsweringAWrite() async throws {
        try await withStore(.sqlite) { store in
            let sqlite = try #require(store as? SQLiteStore)
            // 2 is FULL: every commit is synced, so an acknowledged write survives a power loss.
            #expect(try await sqlite.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 2)
            #expect(try await sqlite.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 2)
        }
    }
}
