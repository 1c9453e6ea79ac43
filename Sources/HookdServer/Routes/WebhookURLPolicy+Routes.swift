import HookdCore

extension WebhookURLPolicy {
    /// Checks `url` as an app in `environment` may set it (``applying(to:)``); a refusal is the API's validation
    /// error on `field`.
    func check(_ url: String, for environment: AppEnvironment, field: String) async throws {
        do {
            _ = try await applying(to: environment).check(url)
        } catch {
            throw APIError(error, field: field)
        }
    }
}
