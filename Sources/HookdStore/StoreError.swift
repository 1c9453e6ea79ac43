import HookdCore

/// Failures of a store that callers may want to tell apart. Messages never contain row data.
public struct StoreError: Error, CustomStringConvertible {
    /// Why the database could not serve a call that may well succeed if it is made again shortly.
    public enum Unavailability: Sendable {
        /// The database did not answer within the store's query timeout.
        case timedOut(Duration)
        /// The connection to the database was lost or could not be opened; `detail` says how, without secrets.
        case connectionLost(detail: String)
        /// A secret was sealed under a master key that is no longer the one in force (a rotation moved the fence
        /// since it was read); sealed again under the key in force, the same write succeeds.
        case outdatedMasterKey
        /// The database answers but cannot write: its disk is full, it is read-only, or its storage failed. Nothing
        /// was written; the same call succeeds once an operator has made room.
        case cannotWrite(reason: String)
    }

    private enum Reason {
        case schemaNewerThanBinary(applied: [String])
        case corruptRow(table: String)
        case unavailable(Unavailability)
    }

    private let reason: Reason

    /// The database was migrated by a newer hookd; this binary must not write to it.
    public static func schemaNewerThanBinary(applied: [String]) -> StoreError {
        StoreError(reason: .schemaNewerThanBinary(applied: applied))
    }

    /// A row holds a value this binary cannot read.
    public static func corruptRow(table: String) -> StoreError {
        StoreError(reason: .corruptRow(table: table))
    }

    /// The database is out of reach for now (restarting, unreachable, too slow); the call changed nothing that
    /// its caller can rely on, and may be repeated.
    public static func unavailable(_ why: Unavailability) -> StoreError {
        StoreError(reason: .unavailable(why))
    }

    /// Whether the failure is a passing one: the database did not answer, rather than refused the call.
    public var isUnavailable: Bool {
        if case .unavailable = reason {
            return true
        }
        return false
    }

    /// Why the database cannot write (``Unavailability/cannotWrite(reason:)``), or `nil` for any other failure.
    public var cannotWriteReason: String? {
        if case .unavailable(.cannotWrite(let reason)) = reason {
            return reason
        }
        return nil
    }

    /// Whether the master key fence refused a value sealed under a key that is no longer in force.
    public var isOutdatedMasterKey: Bool {
        if case .unavailable(.outdatedMasterKey) = reason {
            return true
        }
        return false
    }

    public var description: String {
        switch reason {
        case .schemaNewerThanBinary(let applied):
            "the database schema is newer than this hookd (unknown migrations: \(applied.joined(separator: ", "))); "
                + "upgrade hookd before starting it on this database"
        case .corruptRow(let table):
            "a row of \(table) holds a value this hookd cannot read"
        case .unavailable(.timedOut(let limit)):
            "the database did not answer within \(limit.wholeMilliseconds) ms"
        case .unavailable(.connectionLost(let detail)):
            "the connection to the database was lost: \(detail)"
        case .unavailable(.outdatedMasterKey):
            "a secret was sealed under a master key that is no longer the one in force"
        case .unavailable(.cannotWrite(let reason)):
            "the database cannot write: \(reason)"
        }
    }
}

extension StoreError {
    /// What any error a store call threw means to its caller: a ``StoreError`` as it is, a database's own error that
    /// says it cannot write (SQLite's `SQLITE_FULL`, `SQLITE_READONLY`, `SQLITE_IOERR`; PostgreSQL's are mapped where
    /// its statements run) as ``Unavailability/cannotWrite(reason:)``, and `nil` for anything else.
    public static func reading(_ error: any Error) -> StoreError? {
        if let error = error as? StoreError { return error }
        return SQLiteStore.cannotWrite(error)
    }
}
