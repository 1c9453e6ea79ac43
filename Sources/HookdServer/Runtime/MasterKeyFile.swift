import Foundation
public import HookdCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

/// Where the master key comes from: `HOOKD_MASTER_KEY`, or the key file in the data directory.
public enum MasterKeySource: Sendable {
    /// Given in the environment; hookd never writes it anywhere.
    case environment(MasterKey)
    /// Read from (and on first start written to) a 0600 file.
    case file(path: String)
}

/// Reads and writes master key files with owner-only permissions.
enum MasterKeyFile {
    /// Reads the key at `path`, creating it from the CSPRNG if the file does not exist and `create` is set.
    ///
    /// - Throws: ``RuntimeError`` when the file is unreadable, malformed, or readable by group or others.
    static func load(path: String, create: Bool) throws -> MasterKey {
        if create {
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if descriptor >= 0 {
                defer { close(descriptor) }
                let key = MasterKey.generate()
                try write(key, to: descriptor, path: path)
                return key
            }
            guard errno == EEXIST else {
                throw RuntimeError("cannot create the master key file \(path): \(String(cString: strerror(errno)))")
            }
        }
        return try read(path: path)
    }

    /// Reads an existing key file.
    static func read(path: String) throws -> MasterKey {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw RuntimeError("the master key file \(path) does not exist; set HOOKD_MASTER_KEY or restore the file")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw RuntimeError("the master key file \(path) is readable by others; run: chmod 600 \(path)")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw RuntimeError("cannot read the master key file \(path)")
        }
        do {
            return try MasterKey(encoded: text)
        } catch {
            throw RuntimeError("the master key file \(path) is malformed: \(error)")
        }
    }

    /// Writes `key` to a new file at `path` (mode 0600), failing if the file exists.
    static func create(_ key: MasterKey, path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw RuntimeError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        try write(key, to: descriptor, path: path)
    }

    private static func write(_ key: MasterKey, to descriptor: Int32, path: String) throws {
        let bytes = Array((key.encoded + "\n").utf8)
        guard Glibc.write(descriptor, bytes, bytes.count) == bytes.count, fsync(descriptor) == 0 else {
            throw RuntimeError("cannot write the master key file \(path): \(String(cString: strerror(errno)))")
        }
    }
}
