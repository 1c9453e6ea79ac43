/// A due delivery claimed by a dispatcher, with everything needed to send it.
///
/// Where and how it is sent is its ``target``, as read at claim time; its members read as the claim's own
/// (`claim.url`, `claim.secretVersion`, …).
@dynamicMemberLookup
public struct ClaimedDelivery: Sendable {
    public var id: DeliveryID
    public var appID: AppID
    public var eventID: EventID
    public var event: String
    public var data: [UInt8]
    /// Attempts made before this one.
    public var attempts: Int
    public var attemptsAllowed: Int
    /// Proves this claim is still the current one when the attempt is recorded.
    public var leaseID: LeaseID
    /// The endpoint the delivery goes to.
    public var endpointID: EndpointID
    /// The endpoint's part of this claim (its URL, secrets, format and headers, and its app's business id and
    /// environment), as it was read at claim time.
    public var target: DeliveryTarget
    /// The context of the span that published the event, which the attempt's span continues; `nil`: none was kept.
    public var traceParent: TraceParent?

    /// A claim of delivery `id` under `leaseID`, going to `target`.
    public init(
        id: DeliveryID,
        appID: AppID,
        eventID: EventID,
        event: String,
        data: [UInt8],
        attempts: Int,
        attemptsAllowed: Int,
        leaseID: LeaseID,
        endpointID: EndpointID,
        target: DeliveryTarget,
        traceParent: TraceParent? = nil
    ) {
        self.id = id
        self.appID = appID
        self.eventID = eventID
        self.event = event
        self.data = data
        self.attempts = attempts
        self.attemptsAllowed = attemptsAllowed
        self.leaseID = leaseID
        self.endpointID = endpointID
        self.target = target
        self.traceParent = traceParent
    }

    /// A member of the ``target``, read and written as the claim's own.
    public subscript<Value>(dynamicMember member: WritableKeyPath<DeliveryTarget, Value>) -> Value {
        get { target[keyPath: member] }
        set { target[keyPath: member] = newValue }
    }
}
