import HookdCore
import HookdDelivery
import HookdStore
import Hummingbird

/// `POST /webhooks/test` and the delivery log: list, show, retry (SPEC §5.3).
struct DeliveryRoutes: Sendable {
    let store: any EndpointStore & DeliveryQueue & DeliveryLog
    let attempter: DeliveryAttempter
    let signal: DispatchSignal
    let envelope: Envelope
    let clock: any WallClock
    let configuration: HookdServerConfiguration
    let limiter: RateLimiter

    func addRoutes(to group: RouterGroup<HookdRequestContext>) {
        group.post("webhooks/test", use: test)
        group.get("webhooks/deliveries", use: list)
        group.get("webhooks/deliveries/:deliveryId", use: show)
        group.post("webhooks/deliveries/:deliveryId/retry", use: retry)
    }

    struct TestResultData: JSONRepresentable {
        let event: String
        let webhookUrl: String
        let httpStatus: Int?
        let responseTime: Int64
        let eventID: String

        var json: JSONOutput {
            .object([
                ("event", .string(event)), ("webhookUrl", .string(webhookUrl)), ("delivered", .bool(true)),
                ("httpStatus", httpStatus.map { .int(Int64($0)) } ?? .null), ("responseTime", .int(responseTime)),
                ("eventId", .string(eventID)),
            ])
        }
    }

    @Sendable func test(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let bytes = try await JSONObjectBody.collect(request, limit: configuration.maximumBodySize)
        var event = EventCatalogue.testEvent.name
        if !bytes.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
            let body = try JSONObjectBody.parse(bytes, allowed: ["event", "eventType"])
            var problems: [APIError.FieldError] = []
            let named = body.optionalString("event", &problems)
            let synonym = body.optionalString("eventType", &problems)
            if let named, let synonym, named != synonym {
                problems.append(.init(field: "eventType", message: "must match event when both are given"))
            }
            try problems.throwIfAny()
            event = named ?? synonym ?? event
        }
        guard EventCatalogue.contains(event, for: principal.appType) else {
            throw APIError(publishError: .invalidEventType(event))
        }
        guard let url = try await store.webhookEndpoint(appID: principal.appID)?.url else {
            throw APIError.webhookNotConfigured
        }
        try await limiter.take("test:\(principal.appID)", perMinute: configuration.limits.testDeliveriesPerMinute)
        let now = clock.unixMillis
        let eventID = Identifiers.eventID()
        let lease = (id: Identifiers.leaseID(), until: now + configuration.delivery.timeout + .seconds(60))
        let (deliveryID, _) = try await store.publish(
            NewEvent(
                appID: principal.appID,
                eventID: eventID,
                event: event,
                data: SampleEventData.payload(for: event),
                isTest: true
            ),
            attemptsAllowed: 1,
            now: now,
            lease: lease
        )
        guard let claim = try await store.claimedDelivery(id: deliveryID, leaseID: lease.id) else {
            throw APIError.webhookNotConfigured
        }
        let report = await attempter.attempt(claim)
        guard report.outcome.isSuccess else {
            let detail: String
            switch report.outcome {
            case .answered(let status, _): detail = "The webhook URL answered HTTP \(status)"
            case .failed(let failure): detail = "The test delivery failed: \(failure)"
            }
            throw APIError(
                status: .unprocessableContent,
                code: "WEBHOOK_DELIVERY_FAILED",
                message: "Test webhook delivery failed",
                detail: detail
            )
        }
        return envelope.success(
            TestResultData(
                event: event,
                webhookUrl: url,
                httpStatus: report.outcome.httpStatus,
                responseTime: report.latencyMillis,
                eventID: eventID
            ),
            message: "Test webhook delivered successfully",
            context: context
        )
    }

    @Sendable func list(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let query = request.uri.queryParameters
        var problems: [APIError.FieldError] = []
        var status: DeliveryStatus?
        if let text = query["status"].map(String.init), !text.isEmpty {
            status = DeliveryStatus(rawValue: text.uppercased())
            if status == nil {
                problems.append(.init(field: "status", message: "must be PENDING, SUCCEEDED or FAILED"))
            }
        }
        let event = query["event"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let limit = Self.integer(query["limit"], name: "limit", default: 20, range: 1...100, &problems)
        let offset = Self.integer(query["offset"], name: "offset", default: 0, range: 0...Int(Int32.max), &problems)
        try problems.throwIfAny()
        let (items, total) = try await store.deliveries(
            appID: principal.appID,
            status: status,
            event: event,
            limit: limit,
            offset: offset
        )
        return envelope.success(
            DeliveryListData(items: items),
            message: "Deliveries retrieved successfully",
            pagination: Pagination(total: total, limit: limit, offset: offset),
            context: context
        )
    }

    @Sendable func show(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try context.parameters.require("deliveryId")
        guard let detail = try await store.delivery(appID: principal.appID, id: id) else { throw APIError.notFound }
        return envelope.success(
            DeliveryDetailData(detail: detail),
            message: "Delivery retrieved successfully",
            context: context
        )
    }

    @Sendable func retry(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try context.parameters.require("deliveryId")
        try await limiter.take("retries:\(principal.appID)", perMinute: configuration.limits.retriesPerMinute)
        let summary: DeliverySummary
        switch try await store.requeueDelivery(
            appID: principal.appID,
            id: id,
            now: clock.unixMillis,
            maximumManualRetries: configuration.limits.manualRetriesPerDelivery
        ) {
        case .requeued(let requeued): summary = requeued
        case .notFound: throw APIError.notFound
        case .limitReached: throw APIError.retryLimitReached(configuration.limits.manualRetriesPerDelivery)
        }
        signal.wake()
        return envelope.success(
            DeliverySummaryData(summary: summary),
            message: "Delivery queued for retry",
            status: .accepted,
            context: context
        )
    }

    private static func integer(
        _ text: Substring?,
        name: String,
        default value: Int,
        range: ClosedRange<Int>,
        _ problems: inout [APIError.FieldError]
    ) -> Int {
        guard let text, !text.isEmpty else { return value }
        guard let number = Int(text), range.contains(number) else {
            problems.append(
                .init(field: name, message: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            )
            return value
        }
        return number
    }
}
