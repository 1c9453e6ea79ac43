import HookdCore
import HookdDelivery
import HookdStore
import Hummingbird

extension OperatorRoutes {
    /// A failing endpoint as the operator's list shows it (SPEC §14): never its secret or headers.
    struct FailingEndpointData: JSONRepresentable {
        let failing: FailingEndpoint
        /// How long an endpoint may fail every attempt before it is disabled.
        let disableAfter: Duration

        var json: JSONOutput {
            let endpoint = failing.endpoint
            return .object([
                ("appId", .string(endpoint.appID.rawValue)), ("appName", .string(failing.appName)),
                ("webhookId", .string(endpoint.id.rawValue)), ("url", .string(endpoint.url)),
                ("format", .string(endpoint.format.rawValue)), ("status", .string(endpoint.status.rawValue)),
                ("disabledReason", .string(endpoint.disabledReason?.rawValue)),
                ("failingSince", .timestamp(endpoint.failingSince?.unixSeconds)),
                ("disableAt", .timestamp(endpoint.disableAt(after: disableAfter))),
                ("failureCount", .int(Int64(endpoint.failureCount))),
            ])
        }
    }

    struct FailingEndpointListData: JSONRepresentable {
        let items: [FailingEndpointData]
        var json: JSONOutput { .array(items.map(\.json)) }
    }

    /// `GET /internal/endpoints/failing?limit=&offset=`: every app's failing or failure-disabled endpoints, longest
    /// failing first.
    @Sendable func failingEndpoints(_ request: Request, context: HookdRequestContext) async throws -> Response {
        try await gate.authorize(request, context: context)
        var problems: [APIError.FieldError] = []
        let page = PageQuery(request.uri.queryParameters, &problems)
        try problems.throwIfAny()
        let (items, total) = try await store.failingEndpoints(limit: page.limit, offset: page.offset)
        let disableAfter = configuration.delivery.endpointDisableAfter
        return envelope.success(
            FailingEndpointListData(items: items.map { FailingEndpointData(failing: $0, disableAfter: disableAfter) }),
            message: "Failing endpoints retrieved",
            pagination: Pagination(total: total, limit: page.limit, offset: page.offset),
            context: context
        )
    }
}
