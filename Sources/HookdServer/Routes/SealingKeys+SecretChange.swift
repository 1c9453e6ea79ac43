import HookdCore
import HookdStore

extension SealingKeys {
    /// `secret` sealed under the key in force for `purpose`, with what the audit trail keeps of the request that
    /// made the change (its id, the client's address and the secret's fingerprint, never the secret).
    ///
    /// - Parameters:
    ///   - secret: The new webhook secret, in the clear.
    ///   - purpose: What the sealed bytes are bound to (``SecretSealer/webhookSecretPurpose(appID:endpointID:)``).
    ///   - context: The request making the change.
    /// - Throws: ``StoreError/Unavailability/outdatedMasterKey`` when this node does not hold the key in force.
    func sealedChange(
        to secret: WebhookSecret,
        purpose: String,
        context: HookdRequestContext
    ) async throws -> SealedSecretChange {
        SealedSecretChange(
            sealedSecret: try await sealer().seal(Array(secret.value.utf8), purpose: purpose),
            fingerprint: secret.fingerprint,
            requestID: context.requestID,
            clientAddress: context.clientAddress,
            secretPrefix: secret.prefixShown
        )
    }
}
