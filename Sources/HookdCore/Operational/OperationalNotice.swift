/// Something hookd tells an app, and the operator, about one of the app's endpoints or deliveries (SPEC §14): one of
/// the ``EventCatalogue/operationalEvents``.
///
/// A notice becomes events in the same transaction as the change it reports, so it is sent exactly once per change,
/// whichever node made it: to the app's endpoints subscribed to it, never to the endpoint it is about
/// (``NewEvent/excludedEndpointID``), and, when the operator has set `--operator-webhook-url`, to the operator with
/// the app's id in its data.
public struct OperationalNotice: Sendable, Equatable {
    /// What happened.
    public enum Kind: Sendable, Equatable {
        /// Every attempt to the endpoint has failed since `failingSince`; it will be disabled at `disableAt` unless
        /// one succeeds first.
        case endpointFailing(failingSince: UnixMillis, disableAt: UnixMillis)
        /// The endpoint was disabled, for `reason`.
        case endpointDisabled(reason: EndpointDisabledReason)
        /// The endpoint was enabled again after being disabled.
        case endpointEnabled
        /// A delivery to the endpoint failed its last allowed attempt and is now `FAILED`.
        case deliveryExhausted(DeliveryExhaustion)
    }

    public var appID: AppID
    /// The endpoint the notice is about; it never receives the notice.
    public var endpointID: EndpointID
    /// The endpoint's URL when the notice was made.
    public var url: String?
    public var kind: Kind
    /// When it happened.
    public var at: UnixMillis

    public init(appID: AppID, endpointID: EndpointID, url: String?, kind: Kind, at: UnixMillis) {
        self.appID = appID
        self.endpointID = endpointID
        self.url = url
        self.kind = kind
        self.at = at
    }

    /// The catalogue entry of the event this notice is sent as.
    public var entry: EventCatalogue.Entry {
        switch kind {
        case .endpointFailing: EventCatalogue.endpointFailingEvent
        case .endpointDisabled: EventCatalogue.endpointDisabledEvent
        case .endpointEnabled: EventCatalogue.endpointEnabledEvent
        case .deliveryExhausted: EventCatalogue.deliveryExhaustedEvent
        }
    }

    /// The events the notice is sent as: one for the app (to its subscribed endpoints but the one it is about), and,
    /// with `toOperator`, one for the operator's webhook, whose data starts with the app's id. Each has an id of its
    /// own.
    public func events(toOperator: Bool) -> [NewEvent] {
        let app = NewEvent(
            appID: appID,
            eventID: Identifiers.eventID(),
            event: entry.name,
            data: JSONOutput.object(fields).bytes,
            excludedEndpointID: endpointID
        )
        guard toOperator, appID != OperatorWebhook.appID else { return [app] }
        let forOperator = NewEvent(
            appID: OperatorWebhook.appID,
            eventID: Identifiers.eventID(),
            event: entry.name,
            data: JSONOutput.object([("appId", .string(appID.rawValue))] + fields).bytes
        )
        return [app, forOperator]
    }

    /// The event's data members, in the order they are sent.
    var fields: [(String, JSONOutput)] {
        let about: [(String, JSONOutput)] = [("webhookId", .string(endpointID.rawValue)), ("url", .string(url))]
        switch kind {
        case .endpointFailing(let failingSince, let disableAt):
            return about + [
                ("failingSince", .timestamp(failingSince.unixSeconds)),
                ("disableAt", .timestamp(disableAt.unixSeconds)),
            ]
        case .endpointDisabled(let reason):
            return about + [("reason", .string(reason.rawValue)), ("disabledAt", .timestamp(at.unixSeconds))]
        case .endpointEnabled:
            return about + [("enabledAt", .timestamp(at.unixSeconds))]
        case .deliveryExhausted(let exhaustion):
            return about + exhaustion.fields + [("failedAt", .timestamp(at.unixSeconds))]
        }
    }
}

/// The delivery a ``OperationalNotice/Kind/deliveryExhausted(_:)`` notice is about: never its payload.
public struct DeliveryExhaustion: Sendable, Equatable {
    public var deliveryID: DeliveryID
    public var eventID: EventID
    /// The event's stored (catalogue) name.
    public var event: String
    /// Attempts made, the last included.
    public var attempts: Int
    /// The last attempt's status code, when the receiver answered.
    public var lastHTTPStatus: Int?
    /// Why the last attempt failed, as the delivery log records it.
    public var lastError: String?

    public init(
        deliveryID: DeliveryID,
        eventID: EventID,
        event: String,
        attempts: Int,
        lastHTTPStatus: Int?,
        lastError: String?
    ) {
        self.deliveryID = deliveryID
        self.eventID = eventID
        self.event = event
        self.attempts = attempts
        self.lastHTTPStatus = lastHTTPStatus
        self.lastError = lastError
    }

    var fields: [(String, JSONOutput)] {
        [
            ("deliveryId", .string(deliveryID.rawValue)),
            ("eventId", .string(eventID.rawValue)),
            ("event", .string(EventName.v320Name(event))),
            ("attempts", .int(Int64(attempts))),
            ("lastHttpStatus", lastHTTPStatus.map { .int(Int64($0)) } ?? .null),
            ("lastError", .string(lastError)),
        ]
    }
}
