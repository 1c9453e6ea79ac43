/// An event the platform asked hookd to deliver to one app.
public struct NewEvent: Sendable {
    public var appID: AppID
    /// Lowercase UUID; the `webhook-id` of every attempt.
    public var eventID: EventID
    /// The event name from the catalogue.
    public var event: String
    /// The payload as compact JSON bytes, fixed for good: signed and spliced as they are.
    public var data: [UInt8]
    /// A test delivery requested with `POST /webhooks/test`.
    public var isTest: Bool
    /// The one endpoint to deliver to (a test delivery); `nil`: every endpoint subscribed to the event (SPEC §11).
    public var endpointID: EndpointID?
    /// The endpoint an operational event is about, which never receives it (SPEC §14); `nil` for every other event.
    public var excludedEndpointID: EndpointID?
    /// The publish span's context, for the attempts' spans; `nil` when telemetry is off (the column stays NULL).
    public var traceParent: TraceParent?
    /// The key whose order a KEYED endpoint keeps (SPEC §15); `nil`: none.
    public var orderingKey: OrderingKey?

    public init(
        appID: AppID,
        eventID: EventID,
        event: String,
        data: [UInt8],
        isTest: Bool = false,
        endpointID: EndpointID? = nil,
        excludedEndpointID: EndpointID? = nil,
        traceParent: TraceParent? = nil,
        orderingKey: OrderingKey? = nil
    ) {
        self.appID = appID
        self.eventID = eventID
        self.event = event
        self.data = data
        self.isTest = isTest
        self.endpointID = endpointID
        self.excludedEndpointID = excludedEndpointID
        self.traceParent = traceParent
        self.orderingKey = orderingKey
    }
}
