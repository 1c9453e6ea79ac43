extension WebhookURLPolicy {
    /// This policy as it holds for an app in `environment`: a SANDBOX app may use `http://` without the operator's
    /// switch (SPEC §11); every other rule holds for it too.
    ///
    /// - Parameter environment: The environment of the app whose URL is checked.
    /// - Returns: The policy to check that app's URLs with, when they are set and before each attempt.
    public func applying(to environment: AppEnvironment) -> WebhookURLPolicy {
        var policy = self
        if environment == .sandbox { policy.allowHTTPTargets = true }
        return policy
    }
}
