import HookdCore
import HookdStore

extension WebhookConfigurationStore {
    /// ``WebhookConfigurationStore/setWebhookURL(appID:url:initialSecret:now:)`` in one line: sets `appID`'s v3 URL
    /// (by default `https://a.example/`) at `now`; `secret` becomes its first secret when it has none.
    @discardableResult
    func setURL(
        _ url: String? = "https://a.example/",
        appID: AppID,
        secret: SealedSecretChange,
        at now: UnixSeconds
    ) async throws -> (endpoint: WebhookConfiguration, createdSecret: Bool) {
        try await setWebhookURL(appID: appID, url: url, initialSecret: secret, now: now)
    }

    /// ``WebhookConfigurationStore/replaceWebhookSecret(appID:change:now:idempotencyKey:)`` in one line.
    func replaceSecret(
        appID: AppID,
        with change: SealedSecretChange,
        at now: UnixSeconds,
        key: IdempotencyKey? = nil
    ) async throws -> SecretReplacement {
        try await replaceWebhookSecret(appID: appID, change: change, now: now, idempotencyKey: key)
    }
}
