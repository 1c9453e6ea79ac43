/// One delivery as the log lists it.
public struct DeliverySummary: Sendable, Equatable {
    public var id: DeliveryID
    public var appID: AppID
    /// The endpoint it goes to.
    public var endpointID: EndpointID
    public var eventID: EventID
    public var event: String
    public var status: DeliveryStatus
    /// Attempts made so far.
    public var attempts: Int
    /// Attempts allowed in all (the first one and its retries).
    public var attemptsAllowed: Int
    /// When the last attempt started.
    public var lastAttemptAt: UnixMillis?
    /// When the next attempt is due; `nil` once the delivery is final.
    public var nextAttemptAt: UnixMillis?
    /// The status code of the last answer, if there was one.
    public var lastHTTPStatus: Int?
    public var isTest: Bool
    /// When the event was published.
    public var createdAt: UnixMillis
    /// The ordering key whose line it is in (SPEC §15); `nil`: not keyed. Pending with no next attempt: it waits
    /// for an earlier delivery of its key.
    public var orderingKey: String?

    public init(
        id: DeliveryID,
        appID: AppID,
        endpointID: EndpointID = EndpointID(""),
        eventID: EventID,
        event: String,
        status: DeliveryStatus,
        attempts: Int,
        attemptsAllowed: Int,
        lastAttemptAt: UnixMillis?,
        nextAttemptAt: UnixMillis?,
        lastHTTPStatus: Int?,
        isTest: Bool,
        createdAt: UnixMillis,
        orderingKey: String? = nil
    ) {
        self.id = id
        self.appID = appID
        self.endpointID = endpointID
        self.eventID = eventID
        self.event = event
        self.status = status
        self.attempts = attempts
        self.attemptsAllowed = attemptsAllowed
        self.lastAttemptAt = lastAttemptAt
        self.nextAttemptAt = nextAttemptAt
        self.lastHTTPStatus = lastHTTPStatus
        self.isTest = isTest
        self.createdAt = createdAt
        self.orderingKey = orderingKey
    }
}
