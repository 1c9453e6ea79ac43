public import HookdCore

/// Sends one attempt to a checked URL. The dispatcher depends on this protocol; tests may supply their own.
public protocol WebhookTransport: Sendable {
    /// Sends `webhook` to `target`, connecting only to the addresses in `target.addresses`.
    ///
    /// Never throws: every way an attempt can end is an ``AttemptOutcome``.
    func send(
        _ webhook: OutgoingWebhook,
        to target: WebhookURLPolicy.CheckedURL,
        timeout: Duration
    ) async -> TransportResult
}

/// What a transport saw of one attempt.
public struct TransportResult: Sendable {
    public var outcome: AttemptOutcome
    /// From the start of the request to the end of reading what was kept of the answer.
    public var latency: Duration
    /// The first bytes of the answer's body (at most the configured limit).
    public var responseBody: [UInt8]

    public init(outcome: AttemptOutcome, latency: Duration, responseBody: [UInt8]) {
        self.outcome = outcome
        self.latency = latency
        self.responseBody = responseBody
    }
}
