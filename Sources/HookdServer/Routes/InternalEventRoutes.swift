import HookdCore
import HookdDelivery
import Hummingbird
import Logging

/// `POST /internal/events`: the platform's services publish events for delivery (SPEC §5.4).
///
/// Authenticated with the operator key, never with an app token.
struct InternalEventRoutes: APIRoutes, Sendable {
    let publisher: EventPublisher
    let gate: OperatorGate
    let services: RouteServices
    /// The publish span when telemetry is on; `nil`: no tracing work.
    let spans: PublishSpans?

    struct AcceptedData: JSONRepresentable {
        let eventID: EventID
        var json: JSONOutput { .object([("eventId", .string(eventID.rawValue))]) }
    }

    func addRoutes(to group: RouterGroup<HookdRequestContext>) {
        group.post("internal/events", use: publish)
    }

    @Sendable func publish(_ request: Request, context: HookdRequestContext) async throws -> Response {
        try await gate.authorize(request, context: context, acceptingPortalSession: false)
        let idempotencyKey = try IdempotencyKeyHeader.value(in: request.headers)
        let bytes = try await JSONObjectBody.collect(request, limit: configuration.maximumBodySize)
        // `data` is rewritten compactly as the body is read: its bytes are read once.
        let body = try JSONObjectBody.parse(
            bytes,
            allowed: ["appId", "event", "data", "eventId", "orderingKey"],
            compacting: "data"
        )
        var problems: [APIError.FieldError] = []
        // Any text is taken: an id that names no app is refused by the publisher, in its order of checks.
        let appID = body.string("appId", &problems).map(AppID.init)
        let event = body.string("event", &problems)
        let eventID = body.optionalString("eventId", &problems)
        let orderingKeyText = body.optionalString("orderingKey", &problems)
        let orderingKey = orderingKeyText.flatMap(OrderingKey.init(rawValue:))
        if orderingKeyText != nil, orderingKey == nil {
            problems.append(
                .init(
                    field: "orderingKey",
                    message: "must be 1 to \(OrderingKey.maximumLength) printable ASCII characters"
                )
            )
        }
        switch body.value("data") {
        case .object?: break
        case nil: problems.append(.init(field: "data", message: "is required"))
        case let other?: problems.append(.init(field: "data", message: "must be a JSON object, not \(other.typeName)"))
        }
        try problems.throwIfAny()
        guard let appID, let event, let compactData = body.compacted else {
            throw APIError.validation(field: "data", "could not be read")
        }
        // Without an eventId, an Idempotency-Key stands for one: the same key gives the same eventId, so a repeat
        // finds the event the first request stored and changes nothing (an explicit eventId wins).
        let idempotentID =
            eventID ?? idempotencyKey.map { Identifiers.eventID(appID: appID, idempotencyKey: $0).rawValue }
        do {
            let publish = { (traceParent: TraceParent?) in
                try await publisher.publish(
                    appID: appID,
                    event: event,
                    compactData: compactData,
                    eventID: idempotentID,
                    traceParent: traceParent,
                    orderingKey: orderingKey
                )
            }
            let receipt =
                if let spans {
                    try await spans.traced(headers: request.headers, appID: appID, event: event, publish)
                } else {
                    try await publish(nil)
                }
            context.logger.debug(
                "event published",
                metadata: [
                    "hookd.app.id": .string(appID.rawValue), "hookd.delivery.id": .string(receipt.deliveryID.rawValue),
                    "hookd.event.created": .stringConvertible(receipt.created),
                ]
            )
            return envelope.success(
                AcceptedData(eventID: receipt.eventID),
                message: "Event accepted for delivery",
                status: .accepted,
                context: context
            )
        } catch let error as PublishError {
            throw APIError(publishError: error)
        }
    }
}

extension APIError {
    /// The envelope error of a refused publish.
    init(publishError error: PublishError) {
        if error.isUnknownApp {
            self = APIError(
                status: .notFound,
                code: "RESOURCE_NOT_FOUND",
                message: "Resource not found",
                detail: "No app has this appId"
            )
        } else if error.isInvalidEventType {
            self = .invalidEventType(field: "event", error.description)
        } else if error == .dataTooLarge {
            self = APIError(
                status: .contentTooLarge,
                code: "PAYLOAD_TOO_LARGE",
                message: "Event data is too large",
                detail: error.description,
                fields: [.init(field: "data", message: error.description)]
            )
        } else {
            self = .validation(field: error.field ?? "data", error.description)
        }
    }
}
