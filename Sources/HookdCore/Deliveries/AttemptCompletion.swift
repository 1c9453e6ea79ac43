/// The result of one attempt and the delivery's next state, written in one statement.
public struct AttemptCompletion: Sendable {
    public var deliveryID: DeliveryID
    public var leaseID: LeaseID
    public var attempt: DeliveryAttempt
    public var status: DeliveryStatus
    /// When the next attempt is due; set when `status` is `.pending`.
    public var nextAttemptAt: UnixMillis?
    public var secretVersion: Int64
    /// Whether the attempt was cut short by hookd itself (shutting down): it is logged, but the receiver keeps
    /// every attempt it is allowed, so the delivery is allowed one more.
    public var allowsAnotherAttempt: Bool
    /// A v3.20 endpoint whose attempts have all failed since before this is disabled (`FAILING`, SPEC §11);
    /// `nil`: sustained failure disables nothing.
    public var endpointFailingLimit: UnixMillis?
    /// A v3.20 endpoint whose attempts have all failed since before this, and which has not been warned yet, is
    /// warned (`webhook.endpoint.failing`, SPEC §14); `nil`: no warning.
    public var endpointWarningLimit: UnixMillis?
    /// The failing endpoint will be disabled this long after its failures began (what the warning says).
    public var endpointDisableAfter: Duration
    /// Attempts allowed to the operational deliveries this attempt may cause (SPEC §14).
    public var noticeAttemptsAllowed: Int

    public init(
        deliveryID: DeliveryID,
        leaseID: LeaseID,
        attempt: DeliveryAttempt,
        status: DeliveryStatus,
        nextAttemptAt: UnixMillis?,
        secretVersion: Int64,
        allowsAnotherAttempt: Bool = false,
        endpointFailingLimit: UnixMillis? = nil,
        endpointWarningLimit: UnixMillis? = nil,
        endpointDisableAfter: Duration = .zero,
        noticeAttemptsAllowed: Int = 1
    ) {
        self.deliveryID = deliveryID
        self.leaseID = leaseID
        self.attempt = attempt
        self.status = status
        self.nextAttemptAt = nextAttemptAt
        self.secretVersion = secretVersion
        self.allowsAnotherAttempt = allowsAnotherAttempt
        self.endpointFailingLimit = endpointFailingLimit
        self.endpointWarningLimit = endpointWarningLimit
        self.endpointDisableAfter = endpointDisableAfter
        self.noticeAttemptsAllowed = noticeAttemptsAllowed
    }
}
