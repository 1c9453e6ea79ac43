import HookdCore
import HookdDelivery
import HookdStore
import Hummingbird

/// `POST /webhooks/test` and the delivery log: list, show, retry (SPEC §5.3).
struct DeliveryRoutes: APIRoutes, Sendable {
    let store: any WebhookConfigurationStore & DeliveryQueue & DeliveryLog
    let attempter: DeliveryAttempter
    let services: RouteServices

    func addRoutes(to group: RouterGroup<HookdRequestContext>) {
        group.post("webhooks/test", use: test)
        group.get("webhooks/deliveries", use: list)
        group.get("webhooks/deliveries/:deliveryId", use: show)
        group.post("webhooks/deliveries/:deliveryId/retry", use: retry)
    }

    /// `POST /api/v3.20/webhooks/test`: the v3 test of the app's one URL, on the v3.20 path (family A, SPEC §11.1).
    func addV3_20Routes(to group: RouterGroup<HookdRequestContext>) {
        group.post("webhooks/test", use: test)
    }

    struct TestResultData: JSONRepresentable {
        let event: String
        let webhookUrl: String
        let httpStatus: Int?
        let responseTime: Int64
        let eventID: EventID

        var json: JSONOutput {
            .object([
                ("event", .string(event)), ("webhookUrl", .string(webhookUrl)), ("delivered", .bool(true)),
                ("httpStatus", httpStatus.map { .int(Int64($0)) } ?? .null), ("responseTime", .int(responseTime)),
                ("eventId", .string(eventID.rawValue)),
            ])
        }
    }

    @Sendable func test(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let event = try await testEvent(request, principal: principal, acceptingUppercase: false)
        guard let url = try await store.webhookConfiguration(appID: principal.appID)?.url else {
            throw APIError.webhookNotConfigured
        }
        return try await deliverTest(
            of: event,
            to: Identifiers.v3WebhookID(appID: principal.appID),
            url: url,
            principal: principal,
            context: context
        ) { event in event }
    }

    /// `POST /api/v3.20/webhooks/{webhookId}/test`: as the v3 test, to one endpoint, names in either spelling.
    func sendTest(
        _ request: Request,
        to endpoint: Endpoint,
        principal: Principal,
        context: HookdRequestContext
    ) async throws -> Response {
        let event = try await testEvent(request, principal: principal, acceptingUppercase: true)
        guard endpoint.status == .active, let url = endpoint.url else {
            throw APIError.validation(field: "webhookId", "the endpoint is disabled; enable it to send to it")
        }
        return try await deliverTest(of: event, to: endpoint.id, url: url, principal: principal, context: context) {
            event in EventName.v320Name(event)
        }
    }

    /// The event a test asks for (`event`, or its synonym `eventType`; `webhook.test` by default), as a catalogue
    /// name.
    private func testEvent(_ request: Request, principal: Principal, acceptingUppercase: Bool) async throws -> String {
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
        // A v3.20 endpoint takes any spelling of its catalogue; the v3 URL, the v3 names alone.
        let name = acceptingUppercase ? EventName.catalogueName(event, for: principal.appType) ?? event : event
        let known =
            acceptingUppercase
            ? EventCatalogue.isPublishable(name, for: principal.appType)
            : EventCatalogue.contains(name, for: principal.appType)
        guard known else {
            // The v3.20 endpoint routes answer 422 (SPEC §11.1); the v3 URL's test answers as v3 does.
            let error = PublishError.invalidEventType(event)
            throw acceptingUppercase
                ? APIError.invalidEventType(field: "event", error.description, status: .unprocessableContent)
                : APIError(publishError: error)
        }
        return name
    }

    /// Sends one test delivery of `event` to an endpoint now and answers with what happened (SPEC §5.3).
    private func deliverTest(
        of event: String,
        to endpointID: EndpointID,
        url: String,
        principal: Principal,
        context: HookdRequestContext,
        shown: (String) -> String
    ) async throws -> Response {
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
                isTest: true,
                endpointID: endpointID
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
                event: shown(event),
                webhookUrl: url,
                httpStatus: report.outcome.httpStatus,
                responseTime: report.latency.wholeMilliseconds,
                eventID: eventID
            ),
            message: "Test webhook delivered successfully",
            context: context
        )
    }

    @Sendable func list(_ request: Request, context: HookdRequestContext) async throws -> Response {
        try await listDeliveries(request, endpointID: nil, context: context)
    }

    /// The delivery log, of every endpoint (v3) or of one (v3.20, whose names are UPPERCASE_SNAKE).
    func listDeliveries(
        _ request: Request,
        endpointID: EndpointID?,
        context: HookdRequestContext
    ) async throws -> Response {
        let principal = try context.requirePrincipal()
        let query = request.uri.queryParameters
        var problems: [APIError.FieldError] = []
        var status: DeliveryStatus?
        if let text = query["status"].map(String.init), !text.isEmpty {
            status = DeliveryStatus(rawValue: text.uppercased())
            if status == nil {
                problems.append(.init(field: "status", message: "must be PENDING, SUCCEEDED, FAILED or CANCELLED"))
            }
        }
        var event = Self.nonEmpty(query["event"])
        if let given = event {
            // Any spelling of an event finds it, as it is stored under one name.
            event = EventName.catalogueName(given, for: principal.appType) ?? given
        }
        // The v3 log also takes one endpoint (`webhookId`) and one event (`eventId`): the portal's filters.
        let endpointFilter = endpointID?.rawValue ?? Self.nonEmpty(query["webhookId"])
        let eventID = Self.nonEmpty(query["eventId"])
        for (field, value) in [("webhookId", endpointFilter), ("eventId", eventID)] where (value?.utf8.count ?? 0) > 128
        {
            problems.append(.init(field: field, message: "must be at most 128 characters"))
        }
        let pageQuery = LogPageQuery(query, &problems)
        try problems.throwIfAny()
        // Counted (up to a bound) on the first page only: a walk by cursor does not count the log on every page.
        let counting: Int? =
            switch pageQuery.position {
            case .offset: LogPageQuery.countLimit
            case .after: nil
            }
        let page = try await store.deliveryPage(
            appID: principal.appID,
            filter: DeliveryFilter(
                endpointID: endpointFilter.map(EndpointID.init),
                status: status,
                event: event,
                eventID: eventID.map(EventID.init)
            ),
            limit: pageQuery.limit,
            from: pageQuery.position,
            countingUpTo: counting
        )
        return envelope.success(
            DeliveryListData(items: page.items, v3_20: endpointID != nil),
            message: "Deliveries retrieved successfully",
            pagination: Pagination(page, query: pageQuery),
            context: context
        )
    }

    /// A query parameter's value, `nil` when it is absent or empty.
    private static func nonEmpty(_ value: Substring?) -> String? {
        value.flatMap { $0.isEmpty ? nil : String($0) }
    }

    @Sendable func show(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = DeliveryID(try context.parameters.require("deliveryId"))
        guard let detail = try await store.delivery(appID: principal.appID, id: id) else { throw APIError.notFound }
        return envelope.success(
            DeliveryDetailData(detail: detail),
            message: "Delivery retrieved successfully",
            context: context
        )
    }

    @Sendable func retry(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = DeliveryID(try context.parameters.require("deliveryId"))
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
}
