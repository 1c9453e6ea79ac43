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
    /// An opened secret: a `whsec_` secret's HMAC keys, or an `ED25519` endpoint's private key (`whsk_…`).
    private enum Key {
        case hmac(WebhookSigner)
        case ed25519(WebhookSigningKey)
    }

    private struct Entry {
        let version: Int64
        let key: Key
        /// The secret a rotation replaced (SPEC §11), kept while its overlap may last.
        let previous: Key?
    }

    private let sealer: SecretSealer
    private let entries = Mutex<[EndpointID: Entry]>([:])

    public init(sealer: SecretSealer) {
        self.sealer = sealer
    }

    /// The signers of a claim's endpoint at `now`: its secret, then the one a rotation replaced while the overlap
    /// lasts. Sealed secrets are opened when the cache has another version or none.
    public func signers(for claim: ClaimedDelivery, now: UnixMillis) throws -> [WebhookSigner] {
        switch try signing(for: claim, now: now) {
        case .hmac(let signers): signers
        case .ed25519: []
        }
    }

    /// What signs a claim's attempt at `now`: the endpoint's secret or key, then the one a rotation replaced while
    /// the overlap lasts, of the current one's kind (a rotation never changes an endpoint's scheme).
    public func signing(for claim: ClaimedDelivery, now: UnixMillis) throws -> DeliverySigning {
        let entry = try entry(for: claim)
        var keys = [entry.key]
        if let previous = entry.previous, let until = claim.previousSecretUntil, now < until { keys.append(previous) }
        switch entry.key {
        case .hmac:
            return .hmac(keys.compactMap { if case .hmac(let signer) = $0 { signer } else { nil } })
        case .ed25519:
            return .ed25519(keys.compactMap { if case .ed25519(let key) = $0 { key } else { nil } })
        }
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
        func open(_ sealed: [UInt8]) throws -> Key {
            let secret = String(decoding: try sealer.open(sealed, purpose: purpose), as: UTF8.self)
            if secret.hasPrefix(WebhookSigningKey.privateKeyPrefix) {
                return .ed25519(try WebhookSigningKey(privateKeyText: secret))
            }
            return .hmac(try WebhookSigner(secret: secret))
        }
        let entry = Entry(
            version: claim.secretVersion,
            key: try open(claim.sealedSecret),
            previous: try claim.previousSealedSecret.map(open)
        )
        entries.withLock { entries in
            if let current = entries[claim.endpointID], current.version > claim.secretVersion { return }
            entries[claim.endpointID] = entry
        }
        return entry
    }
}
