/// What hookd tells an app when one of its endpoints is disabled for answering `410 Gone` or for failing too long:
/// a `webhook.endpoint.disabled` event to its other endpoints (SPEC §11).
public struct EndpointDisabledNotice: Sendable, Equatable {
    public var endpointID: EndpointID
    public var url: String?
    public var reason: EndpointDisabledReason
    public var at: UnixMillis

    public init(endpointID: EndpointID, url: String?, reason: EndpointDisabledReason, at: UnixMillis) {
        self.endpointID = endpointID
        self.url = url
        self.reason = reason
        self.at = at
    }

    /// The event, with `{"webhookId","url","reason","disabledAt"}` as its data and an id of its own.
    public func event(appID: AppID) -> NewEvent {
        let data = JSONOutput.object([
            ("webhookId", .string(endpointID.rawValue)),
            ("url", .string(url)),
            ("reason", .string(reason.rawValue)),
            ("disabledAt", .string(Timestamp.iso8601(at.unixSeconds))),
        ])
        return NewEvent(
            appID: appID,
            eventID: Identifiers.eventID(),
            event: EventCatalogue.endpointDisabledEvent.name,
            data: data.bytes
        )
    }
}
