import Crypto
public import HookdCore
public import HookdStore
import HookdVerify

/// The server-wide secrets kept sealed in the store: the token signing key, the operator key and the operator's
/// webhook secret.
///
/// Created on first use from the CSPRNG, so every node sharing a database (and its master key) uses the same
/// ones, and rotating the master key re-seals them with everything else.
public enum ServerSecrets {
    static let tokenSigningKeyName = "token-signing-key"
    static let operatorKeyName = "operator-key"
    static let keyCheckName = "master-key-check"
    static let operatorWebhookSecretName = "operator-webhook-secret"

    /// Fails when `sealer` cannot open what the database holds, so that a wrong master key stops hookd at start
    /// instead of sealing new secrets under a key that cannot open the old ones.
    ///
    /// - Throws: ``SecretSealingError`` for a wrong key.
    static func checkMasterKey(store: any SealedValueStore, sealer: SecretSealer) async throws {
        _ = try await load(keyCheckName, store: store, sealer: sealer) { Array("hookd".utf8) }
    }

    /// The 32-byte HS256 key for access tokens.
    static func tokenSigningKey(store: any SealedValueStore, sealer: SecretSealer) async throws -> [UInt8] {
        try await load(tokenSigningKeyName, store: store, sealer: sealer) {
            SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        }
    }

    /// The operator key for `POST /internal/events`: `hok_` and 48 base62 characters.
    ///
    /// `HOOKD_OPERATOR_KEY`, when set, takes precedence (see ``HookdRuntime``).
    public static func operatorKey(store: any SealedValueStore, sealer: SecretSealer) async throws -> String {
        let bytes = try await load(operatorKeyName, store: store, sealer: sealer) {
            Array(("hok_" + RandomString.make(count: 48, from: RandomString.base62)).utf8)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The secret the operator's webhook is signed with (SPEC §14): `whsec_` and 64 hex digits, which Standard
    /// Webhooks verifiers take as base64.
    static func operatorWebhookSecret(store: any SealedValueStore, sealer: SecretSealer) async throws -> WebhookSecret {
        let bytes = try await load(operatorWebhookSecretName, store: store, sealer: sealer) {
            Array(WebhookSecret.generateForEndpoint().value.utf8)
        }
        guard let secret = WebhookSecret(broughtByApp: String(decoding: bytes, as: UTF8.self)) else {
            throw StoreError.corruptRow(table: "server_secrets")
        }
        return secret
    }

    private static func load(
        _ name: String,
        store: any SealedValueStore,
        sealer: SecretSealer,
        generate: @escaping @Sendable () -> [UInt8]
    ) async throws -> [UInt8] {
        let purpose = SecretSealer.serverSecretPurpose(name: name)
        let sealing = try await SealingKeys(keyring: sealer, store: store).sealer()
        let sealed = try await store.serverSecret(name: name) { try sealing.seal(generate(), purpose: purpose) }
        return try sealer.open(sealed, purpose: purpose)
    }
}
