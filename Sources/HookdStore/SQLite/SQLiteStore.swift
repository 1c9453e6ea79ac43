import GRDB
public import HookdCore

/// The embedded store: one SQLite file in WAL mode, through GRDB.
///
/// Writes are serialised by GRDB's single writer connection, which is what makes concurrent secret
/// regenerations and rate-limit updates safe without read-then-write races. Several processes may open
/// the same file (WAL and a busy timeout keep them correct), but only one `hookd serve` runs per data dir.
public final class SQLiteStore: Store, Sendable {
    let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and migrates it.
    ///
    /// - Throws: ``StoreError/schemaNewerThanBinary(applied:)`` when the file was migrated by a newer hookd,
    ///   or GRDB's error when the file cannot be opened.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.journalMode = .wal
        configuration.prepareDatabase { db in
            // FULL: every commit is on disk before it returns (WAL with NORMAL may lose the last commits to a power
            // loss or an OS crash). A publish is acknowledged only after its commit, so "durably stored before the
            // publish returns" holds; group commit (BatchingWriter) shares each sync between the writes that wait.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            if !db.configuration.readonly {
                // The writer claims and records on indexes that outgrow the 2 MiB default once a large backlog
                // is stored; 32 MiB keeps them in memory (readers keep the default: there are several).
                try db.execute(sql: "PRAGMA cache_size = -32768")
            }
        }
        self.pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB sets the writer to NORMAL when it turns WAL on, after `prepareDatabase`: set FULL again on the one
        // connection that commits.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let migrator = SQLiteMigrations.migrator
        let unknown = try pool.read { db in
            try migrator.appliedIdentifiers(db).subtracting(migrator.migrations)
        }
        guard unknown.isEmpty else { throw StoreError.schemaNewerThanBinary(applied: unknown.sorted()) }
        let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
        try migrator.migrate(pool)
        if try pool.read({ db in try migrator.appliedIdentifiers(db) }) != applied {
            // A migration may have rewritten values that must not stay anywhere (0011 redacts credentials): the
            // write-ahead log, whose old frames hold the pages as they were, is emptied into the database.
            try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        }
    }

    /// The message of the triggers that refuse a value sealed under a key other than the fence's.
    static let outdatedMasterKeyMessage = "sealed under an outdated master key"

    /// Runs `body` as a write that stores sealed values, turning the master key fence's refusal into
    /// ``StoreError/Unavailability/outdatedMasterKey``.
    func writeSealed<Result: Sendable>(_ body: @Sendable (Database) throws -> Result) async throws -> Result {
        do {
            return try await pool.write(body)
        } catch let error as DatabaseError where error.message == Self.outdatedMasterKeyMessage {
            throw StoreError.unavailable(.outdatedMasterKey)
        }
    }

    /// Closes the database; every later call throws.
    public func close() throws {
        try pool.close()
    }

    // MARK: Health

    public func ping() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func probeWrite(now: UnixMillis) async throws {
        do {
            try await pool.write { db in
                try db.execute(
                    sql: "INSERT INTO write_probe (id, probed_at) VALUES (1, ?) "
                        + "ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at",
                    arguments: [now.rawValue]
                )
            }
        } catch {
            throw Self.cannotWrite(error) ?? error
        }
    }

    /// ``StoreError/Unavailability/cannotWrite(reason:)`` for the SQLite errors that mean the file cannot be
    /// written; `nil` for the others.
    static func cannotWrite(_ error: any Error) -> StoreError? {
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_FULL: return .unavailable(.cannotWrite(reason: "the disk or the database is full"))
        case .SQLITE_READONLY: return .unavailable(.cannotWrite(reason: "the database is read-only"))
        case .SQLITE_IOERR: return .unavailable(.cannotWrite(reason: "the disk failed a read or a write"))
        case .SQLITE_CANTOPEN: return .unavailable(.cannotWrite(reason: "a database file cannot be opened"))
        default: return nil
        }
    }
}
