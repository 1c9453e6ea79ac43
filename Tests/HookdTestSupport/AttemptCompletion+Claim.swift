package import HookdCore

extension AttemptCompletion {
    /// The record of the next attempt on `claim`, under its lease, started at `now`.
    ///
    /// By default a success: answered 200 in 1 ms with an empty body, nothing left to do.
    /// - Parameters:
    ///   - claim: The claimed delivery; its number of attempts and secret version are taken from it.
    ///   - now: When the attempt started.
    ///   - httpStatus: The answer's status code; `nil` when no answer came.
    ///   - latency: How long the attempt took.
    ///   - responseBody: The answer's body.
    ///   - status: The delivery's state after the attempt.
    ///   - nextAttemptAt: When the next attempt is due, for a delivery left pending.
    ///   - endpointFailingLimit: See ``AttemptCompletion/endpointFailingLimit``.
    ///   - endpointWarningLimit: See ``AttemptCompletion/endpointWarningLimit``.
    ///   - endpointDisableAfter: See ``AttemptCompletion/endpointDisableAfter``.
    package static func attempt(
        on claim: ClaimedDelivery,
        at now: UnixMillis,
        httpStatus: Int? = 200,
        latency: Duration = .milliseconds(1),
        responseBody: [UInt8] = [],
        status: DeliveryStatus = .succeeded,
        nextAttemptAt: UnixMillis? = nil,
        endpointFailingLimit: UnixMillis? = nil,
        endpointWarningLimit: UnixMillis? = nil,
        endpointDisableAfter: Duration = .zero
    ) -> AttemptCompletion {
        AttemptCompletion(
            deliveryID: claim.id,
            leaseID: claim.leaseID,
            attempt: DeliveryAttempt(
                number: claim.attempts + 1,
                startedAt: now,
                latency: latency,
                httpStatus: httpStatus,
                error: nil,
                responseBody: responseBody
            ),
            status: status,
            nextAttemptAt: nextAttemptAt,
            secretVersion: claim.secretVersion,
            endpointFailingLimit: endpointFailingLimit,
            endpointWarningLimit: endpointWarningLimit,
            endpointDisableAfter: endpointDisableAfter
        )
    }
}
