import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The folder a SQLite-backed hookd keeps its state in (`./.hookd` by default): the database, the master key
/// file and the lock that keeps a second `hookd serve` away.
public struct DataDirectory: Sendable {
    /// The folder's path.
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The SQLite database file.
    public var databasePath: String { path + "/hookd.sqlite" }
    /// The master key file (mode 0600).
    public var masterKeyPath: String { path + "/master.key" }
    /// Where a master key rotation writes the new key until the database has been re-sealed under it.
    public var nextMasterKeyPath: String { path + "/master.key.next" }
    /// The lock file held by the process serving this folder.
    public var lockPath: String { path + "/hookd.lock" }

    /// Creates the folder (mode 0700), and any missing parents, if it does not exist.
    public func create() throws {
        do {
            try FileManager.default.createDirectory(
                atPath: path,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw RuntimeError("cannot create the data directory \(path): \(error.localizedDescription)")
        }
    }
}

/// A failure to start or run an operator command, with a message meant for the operator.
public struct RuntimeError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
