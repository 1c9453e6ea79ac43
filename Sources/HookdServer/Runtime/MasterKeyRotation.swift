import Foundation
public import HookdCore
import HookdStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

/// Re-seals every stored secret under the master key that seals (`hookd rotate-master-key`).
///
/// With a key file the steps are crash-safe: the new key is written to `master.key.next` (0600, synced) first, the
/// database is re-sealed and its fence moved to the new key in one transaction, then the new file replaces the old
/// one by an atomic rename. A crash before the rename leaves both files, both are loaded at the next start (the
/// fence says which seals), and running the command again completes it.
///
/// With `HOOKD_MASTER_KEY`, the operator makes the new key, never hookd: every node runs with the new key as
/// `HOOKD_MASTER_KEY` and the old one in `HOOKD_PREVIOUS_MASTER_KEYS` (they open values sealed under either, and
/// keep sealing under the old one, which the database's fence names, so nodes not yet restarted open everything);
/// then this re-seals everything under the new key and moves the fence in one transaction; then the old key can go.
/// No key is ever printed, and a node that still holds only the old key can no longer seal (the fence refuses it).
public enum MasterKeyRotation {
    /// What a rotation did.
    public struct Outcome: Sendable {
        /// How many sealed values were rewritten.
        public let resealed: Int
    }

    /// A point between two steps of a rotation, where a test stops it as a crash would.
    enum Step: CaseIterable, Sendable {
        /// `master.key.next` is written; nothing is re-sealed yet.
        case newKeyWritten
        /// Everything is re-sealed and the fence moved; the key file is not renamed yet.
        case resealed
    }

    /// The rotation was stopped at a ``Step`` on purpose.
    struct Stopped: Error {}

    /// Rotates the master key of `runtime`.
    ///
    /// - Parameter newKey: The key file's next key (generated when `nil`); not used with `HOOKD_MASTER_KEY`.
    public static func rotate(_ runtime: HookdRuntime, newKey: MasterKey? = nil) async throws -> Outcome {
        try await rotate(runtime, newKey: newKey, stoppingAfter: nil)
    }

    /// Rotates as ``rotate(_:newKey:)`` does, throwing ``Stopped`` after `step` when one is given.
    static func rotate(_ runtime: HookdRuntime, newKey: MasterKey?, stoppingAfter step: Step?) async throws -> Outcome {
        switch runtime.keySource {
        case .environment(let current):
            let resealed = try await reseal(runtime.store, from: runtime.sealer, to: current)
            return Outcome(resealed: resealed)
        case .file(let path):
            let nextPath = runtime.dataDirectory.nextMasterKeyPath
            let next: MasterKey
            if access(nextPath, F_OK) == 0 {
                next = try MasterKeyFile.read(path: nextPath)
            } else {
                next = newKey ?? MasterKey.generate()
                try MasterKeyFile.create(next, path: nextPath)
            }
            if step == .newKeyWritten { throw Stopped() }
            let resealed = try await reseal(runtime.store, from: runtime.sealer, to: next)
            if step == .resealed { throw Stopped() }
            guard rename(nextPath, path) == 0 else {
                throw RuntimeError(
                    "re-sealed under the new key but could not rename \(nextPath) to \(path): "
                        + "\(String(cString: strerror(errno))); rename it by hand before starting hookd"
                )
            }
            syncDirectory(runtime.dataDirectory.path)
            return Outcome(resealed: resealed)
        }
    }

    private static func reseal(
        _ store: any SealedValueStore,
        from old: SecretSealer,
        to next: MasterKey
    ) async throws -> Int {
        // Opens values under any key the runtime holds or the new one (a rerun after an interrupted rotation), seals
        // under the new one.
        let combined = SecretSealer(primary: next, additional: old.keys.filter { $0.identifier != next.identifier })
        return try await store.resealAll(under: next.identifier) { sealed, purpose in
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
