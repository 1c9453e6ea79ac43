public import GRDB
public import HookdCore

// Instants are stored as the INTEGER their columns hold, in the unit of their type: a column of Unix milliseconds
// binds and reads a ``UnixMillis``, one of Unix seconds a ``UnixSeconds``.

extension UnixMillis: DatabaseValueConvertible {}

extension UnixSeconds: DatabaseValueConvertible {}

extension UnixInstant where Self: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { rawValue.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Self? {
        Int64.fromDatabaseValue(dbValue).map(Self.init)
    }
}
