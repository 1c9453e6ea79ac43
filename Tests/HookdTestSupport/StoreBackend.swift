import Foundation
package import HookdStore

/// The database behind a test: SQLite always, PostgreSQL when `HOOKD_TEST_POSTGRES_URL` is set (CI sets it).
///
/// The one choice of backend for every test target: a contract test takes `StoreBackend.all` as its arguments and
/// opens its store with ``withStore(_:_:)``.
package enum StoreBackend: String, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    /// Every backend this run can test: PostgreSQL only when a test database is configured.
    package static var all: [StoreBackend] { PostgresTestDatabase.isConfigured ? [.sqlite, .postgres] : [.sqlite] }

    package var description: String { rawValue }
}

/// Runs `body` with a fresh, migrated store of `backend`: a temporary SQLite file, or a PostgreSQL schema of its own
/// with its pools running.
///
/// Afterwards the store is closed and its database removed (the file, or the schema and everything in it), awaited
/// before this returns, whether `body` returns or throws.
/// - Parameters:
///   - backend: Which database.
///   - body: The test, given the store.
/// - Returns: What `body` returns.
/// - Throws: What `body` throws, or the error that kept the store from opening or closing.
package func withStore<Result>(
    _ backend: StoreBackend,
    _ body: (any Store) async throws -> Result
) async throws -> Result {
    switch backend {
    case .sqlite:
        try await withTemporarySQLiteFile { path in
            let store = try SQLiteStore(path: path)
            do {
                let result = try await body(store)
                try store.close()
                return result
            } catch {
                try? store.close()
                throw error
            }
        }
    case .postgres:
        try await PostgresTestDatabase.withStore { store in try await body(store) }
    }
}

/// Runs `body` with the path of a SQLite database in the temporary directory that does not exist yet; afterwards the
/// file and its `-wal` and `-shm` companions are removed, whether `body` returns or throws.
package func withTemporarySQLiteFile<Result>(_ body: (String) async throws -> Result) async throws -> Result {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("hookd-\(UUID().uuidString).sqlite").path
    defer {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
    return try await body(path)
}
