public import HookdCore
public import HookdVerify
import Synchronization

/// Decrypted signers by app, kept until the app's secret version changes.
///
/// A claim carries the secret version read in the same transaction; a regeneration bumps the version, so the
/// first attempt claimed after it misses the cache and signs with the new secret. Opening a sealed secret costs
/// an AES-GCM decryption and three key derivations, which this saves on every other attempt.
public final class SignerCache: Sendable {
    private struct Entry {
        let version: Int64
        let signer: WebhookSigner
    }

    private let sealer: SecretSealer
    private let entries = Mutex<[String: Entry]>([:])

    public init(sealer: SecretSealer) {
        self.sealer = sealer
    }

    /// The signer of `appID` at `version`, opening `sealedSecret` when the cache has another version or none.
    public func signer(appID: String, version: Int64, sealedSecret: [UInt8]) throws -> WebhookSigner {
        if let entry = entries.withLock({ $0[appID] }), entry.version == version {
            return entry.signer
        }
        let plaintext = try sealer.open(sealedSecret, purpose: SecretSealer.webhookSecretPurpose(appID: appID))
        let signer = try WebhookSigner(secret: String(decoding: plaintext, as: UTF8.self))
        entries.withLock { entries in
            if let current = entries[appID], current.version > version { return }
            entries[appID] = Entry(version: version, signer: signer)
        }
        return signer
    }
}
