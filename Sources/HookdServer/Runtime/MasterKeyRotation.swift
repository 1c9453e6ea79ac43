import Foundation
import HookdCore
import HookdStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Re-seals every stored secret under a new master key (`hookd rotate-master-key`).
///
/// With a key file the steps are crash-safe: the new key is written to `master.key.next` first, the database is
/// re-sealed in one transaction, then the new file replaces the old one by an atomic rename. A crash before the
/// rename leaves both files, both are loaded at the next start, and running the command again completes it.
public enum MasterKeyRotation {
    /// What a rotation did.
    public struct Outcome: Sendable {
        /// How many sealed values were rewritten.
        public let resealed: Int
        /// The new key when it came from the environment and must be handed to the operator; `nil` for a key file.
        public let newEncodedKey: String?
    }

    /// Rotates the master key of `runtime`.
    ///
    /// - Parameter newKey: The key to rotate to when the current one comes from `HOOKD_MASTER_KEY`; generated when `nil`.
    public static func rotate(_ runtime: HookdRuntime, newKey: MasterKey? = nil) async throws -> Outcome {
        switch runtime.keySource {
        case .environment(let current):
            let next = newKey ?? MasterKey.generate()
            let resealed = try await reseal(runtime.store, from: SecretSealer(primary: current), to: next)
            return Outcome(resealed: resealed, newEncodedKey: next.encoded)
        case .file(let path):
            let nextPath = runtime.dataDirectory.nextMasterKeyPath
            let next: MasterKey
            if access(nextPath, F_OK) == 0 {
                next = try MasterKeyFile.read(path: nextPath)
            } else {
                next = newKey ?? MasterKey.generate()
                try MasterKeyFile.create(next, path: nextPath)
            }
            let resealed = try await reseal(runtime.store, from: runtime.sealer, to: next)
            guard rename(nextPath, path) == 0 else {
                throw RuntimeError(
                    "re-sealed under the new key but could not rename \(nextPath) to \(path): "
                        + "\(String(cString: strerror(errno))); rename it by hand before starting hookd"
                )
            }
            syncDirectory(runtime.dataDirectory.path)
            return Outcome(resealed: resealed, newEncodedKey: nil)
        }
    }

    private static func reseal(_ store: any Store, from old: SecretSealer, to next: MasterKey) async throws -> Int {
        // Opens values under the old key or the new one (a rerun after an interrupted rotation), seals under the new.
        let combined = SecretSealer(primary: next, additional: [old.primary])
        return try await store.resealAll { sealed, purpose in
            let plaintext = try combined.open(sealed, purpose: purpose)
            return try combined.seal(plaintext, purpose: purpose)
        }
    }

    private static func syncDirectory(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY)
        if descriptor >= 0 {
            fsync(descriptor)
            close(descriptor)
        }
    }
}
