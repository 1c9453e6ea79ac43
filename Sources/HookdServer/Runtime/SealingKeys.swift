import HookdCore
import HookdStore

/// The master keys a node holds, and the one among them that seals: the key the database's fence names.
///
/// During a rotation nodes hold the new key and the old one, and keep sealing under the old one until
/// `hookd rotate-master-key` re-seals everything and moves the fence; from then on they seal under the new one. A
/// node that does not hold the key in force cannot seal at all (the database would refuse what it sealed anyway).
struct SealingKeys: Sendable {
    /// Every key this node holds; opens what any of them sealed.
    let keyring: SecretSealer
    let store: any SealedValueStore

    /// A sealer that seals under the key in force.
    ///
    /// - Throws: ``StoreError/Unavailability/outdatedMasterKey`` (a `503`) when this node does not hold that key.
    func sealer() async throws -> SecretSealer {
        let fence = try await store.sealingKeyIdentifier(settingIfAbsent: keyring.primary.identifier)
        guard let sealer = keyring.sealing(under: fence) else { throw StoreError.unavailable(.outdatedMasterKey) }
        return sealer
    }
}
