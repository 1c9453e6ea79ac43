/// Failures of a store that callers may want to tell apart. Messages never contain row data.
public struct StoreError: Error, CustomStringConvertible {
    private enum Reason {
        case schemaNewerThanBinary(applied: [String])
        case corruptRow(table: String)
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

    public var description: String {
        switch reason {
        case .schemaNewerThanBinary(let applied):
            "the database schema is newer than this hookd (unknown migrations: \(applied.joined(separator: ", "))); "
                + "upgrade hookd before starting it on this database"
        case .corruptRow(let table):
            "a row of \(table) holds a value this hookd cannot read"
        }
    }
}
