public import HookdCore
public import HookdVerify
import Synchronization

/// Decrypted signers by endpoint, kept until the endpoint's secret version changes; and the endpoint's sealed headers,
/// opened for each attempt.
///
/// A claim carries the secret version read in the same transaction; a rotation bumps the version, so the first
/// attempt claimed after it misses the cache and signs with the new secret. Opening a sealed secret costs an AES-GCM
/// decryption and three key derivations, which this saves on every other attempt.
public final class SignerCache: Sendable {
    private struct Entry {
        let version: Int64
        let signer: WebhookSigner
        /// The secret a rotation replaced (SPEC §11), kept while its overlap may last.
        let previous: WebhookSigner?
    }

    private let sealer: SecretSealer
    private let entries = Mutex<[EndpointID: Entry]>([:])

    public init(sealer: SecretSealer) {
        self.sealer = sealer
    }

    /// The signers of a claim's endpoint at `now`: its secret, then the one a rotation replaced while the overlap
    /// lasts. Sealed secrets are opened when the cache has another version or none.
    public func signers(for claim: ClaimedDelivery, now: UnixMillis) throws -> [WebhookSigner] {
        let entry = try entry(for: claim)
        guard let previous = entry.previous, let until = claim.previousSecretUntil, now < until else {
            return [entry.signer]
        }
        return [entry.signer, previous]
    }

    /// The custom request headers of a claim's endpoint, opened (none when it has none).
    ///
    /// Not cached: most endpoints have none, and opening a few hundred bytes costs one AES-GCM decryption.
    public func headers(for claim: ClaimedDelivery) throws -> EndpointHeaders {
        try EndpointHeaders(
            sealed: claim.sealedHeaders,
            openedBy: sealer,
            appID: claim.appID,
            endpointID: claim.endpointID
        )
    }

    private func entry(for claim: ClaimedDelivery) throws -> Entry {
        if let entry = entries.withLock({ $0[claim.endpointID] }), entry.version == claim.secretVersion {
            return entry
        }
        let purpose = SecretSealer.webhookSecretPurpose(appID: claim.appID, endpointID: claim.endpointID)
        func open(_ sealed: [UInt8]) throws -> WebhookSigner {
            try WebhookSigner(secret: String(decoding: try sealer.open(sealed, purpose: purpose), as: UTF8.self))
        }
        let entry = Entry(
            version: claim.secretVersion,
            signer: try open(claim.sealedSecret),
            previous: try claim.previousSealedSecret.map(open)
        )
        entries.withLock { entries in
            if let current = entries[claim.endpointID], current.version > claim.secretVersion { return }
            entries[claim.endpointID] = entry
        }
        return entry
    }
}
