import HookdCore
import HookdStore
import Hummingbird
import Logging

/// The operator's routes: portal links (SPEC §12), and what the operator's portal page shows and does: every app
/// with its status and backlog, suspend and activate, and the attempts of the last hour or day.
///
/// They take the operator key as the bearer, or the operator's portal session.
struct OperatorRoutes: APIRoutes, Sendable {
    let store: any AppStore & DeliveryLog & ServiceOverview
    let gate: OperatorGate
    let tokens: PortalTokens
    let services: RouteServices

    func addRoutes(to group: RouterGroup<HookdRequestContext>) {
        group.post("internal/portal-sessions", use: createLink)
        group.get("internal/apps", use: apps)
        group.post("internal/apps/:appId/suspend", use: suspend)
        group.post("internal/apps/:appId/activate", use: activate)
        group.get("internal/activity", use: activity)
        group.get("internal/endpoints/failing", use: failingEndpoints)
    }

    struct LinkData: JSONRepresentable {
        let url: String
        let expiresAt: UnixSeconds
        var json: JSONOutput {
            .object([("url", .string(url)), ("expiresAt", .timestamp(expiresAt))])
        }
    }

    /// `POST /internal/portal-sessions` `{appId}` or `{operator: true}` → a one-time link.
    @Sendable func createLink(_ request: Request, context: HookdRequestContext) async throws -> Response {
        try await gate.authorize(request, context: context)
        let body = try await JSONObjectBody.read(
            request,
            limit: configuration.maximumBodySize,
            allowed: ["appId", "operator"]
        )
        var problems: [APIError.FieldError] = []
        let appID = body.optionalString("appId", &problems).map(AppID.init)
        let forOperator = body.optionalBool("operator", &problems) ?? false
        if problems.isEmpty, (appID == nil) == !forOperator {
            problems.append(.init(field: "appId", message: "give either appId or \"operator\": true"))
        }
        try problems.throwIfAny()
        let audience: PortalAudience
        if let appID {
            // The reserved app of the operator's webhook has no portal.
            guard appID != OperatorWebhook.appID, try await store.app(id: appID) != nil else {
                throw APIError.notFound
            }
            audience = .app(appID)
        } else {
            audience = .operator
        }
        guard
            let base = configuration.portal.publicURL.flatMap(PortalPublicURL.init)
                ?? PortalPublicURL.fromHostHeader(request.head.authority)
        else {
            throw APIError.validation(field: "Host", "set --public-url: the request's Host cannot make a link")
        }
        let link = try await tokens.link(
            for: audience,
            now: clock.unixSeconds,
            lifetime: configuration.portal.linkLifetime
        )
        context.logger.info("portal link made", metadata: ["hookd.app.id": .string(appID?.rawValue ?? "operator")])
        return envelope.success(
            LinkData(url: base.link(token: link.token), expiresAt: link.claims.expiresAt),
            message: "Portal link created; it works once",
            status: .created,
            context: context
        )
    }

    /// An app as the operator sees it.
    struct AppData: JSONRepresentable {
        let app: App
        let queueDepth: Int

        var json: JSONOutput {
            .object([
                ("appId", .string(app.id.rawValue)), ("name", .string(app.name)),
                ("businessId", .string(app.businessID.rawValue)),
                ("type", .string(app.type.rawValue)), ("environment", .string(app.environment.rawValue)),
                ("status", .string(app.status.rawValue)), ("queueDepth", .int(Int64(queueDepth))),
                ("createdAt", .timestamp(app.createdAt)),
            ])
        }
    }

    struct AppListData: JSONRepresentable {
        let apps: [AppData]
        var json: JSONOutput { .array(apps.map(\.json)) }
    }

    /// `GET /internal/apps`: every app, oldest first, with its deliveries still pending.
    @Sendable func apps(_ request: Request, context: HookdRequestContext) async throws -> Response {
        try await gate.authorize(request, context: context)
        let depths = try await store.pendingDeliveryCounts()
        let apps = try await store.apps().map { AppData(app: $0, queueDepth: depths[$0.id] ?? 0) }
        return envelope.success(AppListData(apps: apps), message: "Apps retrieved successfully", context: context)
    }

    @Sendable func suspend(_ request: Request, context: HookdRequestContext) async throws -> Response {
        try await setStatus(.suspended, request, context: context)
    }

    @Sendable func activate(_ request: Request, context: HookdRequestContext) async throws -> Response {
        try await setStatus(.active, request, context: context)
    }

    /// Suspends (retiring the app's tokens and portal sessions, as `hookd apps suspend` does) or activates an app.
    private func setStatus(
        _ status: AppStatus,
        _ request: Request,
        context: HookdRequestContext
    ) async throws -> Response {
        try await gate.authorize(request, context: context)
        guard let appID = AppID(validating: try context.parameters.require("appId")),
            let app = try await AppAdministration(store: store, clock: clock).setStatus(appID: appID, status)
        else { throw APIError.notFound }
        context.logger.notice(
            "app status set by the operator",
            metadata: ["hookd.app.id": .string(app.id.rawValue), "hookd.app.status": .string(status.rawValue)]
        )
        // One app's backlog: the log's count of its pending deliveries, not every app's.
        let depth = try await store.deliveries(
            appID: app.id,
            endpointID: nil,
            status: .pending,
            event: nil,
            eventID: nil,
            limit: 1,
            offset: 0
        ).total
        return envelope.success(
            AppData(app: app, queueDepth: depth),
            message: status == .active ? "App activated" : "App suspended",
            context: context
        )
    }

    /// What `GET /internal/activity` covers: the last hour in minutes, or the last day in hours.
    enum ActivityWindow: String {
        case hour
        case day

        var bucket: Duration { self == .hour ? .seconds(60) : .seconds(3600) }
        var bucketCount: Int { self == .hour ? 60 : 24 }
    }

    struct ActivityData: JSONRepresentable {
        let window: ActivityWindow
        let buckets: [AttemptCount]

        var json: JSONOutput {
            .object([
                ("window", .string(window.rawValue)),
                ("bucketSeconds", .int(window.bucket.wholeMilliseconds / 1000)),
                (
                    "buckets",
                    .array(
                        buckets.map { bucket in
                            .object([
                                ("start", .timestamp(bucket.start.unixSeconds)),
                                ("succeeded", .int(Int64(bucket.succeeded))),
                                ("failed", .int(Int64(bucket.failed))),
                            ])
                        }
                    )
                ),
            ])
        }

        /// Every bucket of the window starting at `first`, oldest first, zero where `counted` has none.
        static func filled(_ counted: [AttemptCount], window: ActivityWindow, from first: UnixMillis) -> [AttemptCount]
        {
            let width = window.bucket.wholeMilliseconds
            let byStart = Dictionary(counted.map { ($0.start.rawValue, $0) }) { first, _ in first }
            return (0..<window.bucketCount).map { index in
                let start = first.rawValue + Int64(index) * width
                return byStart[start] ?? AttemptCount(start: UnixMillis(start), succeeded: 0, failed: 0)
            }
        }

        /// The start of the window's first bucket: the window ends with the bucket that holds `now`.
        static func firstBucket(of window: ActivityWindow, now: UnixMillis) -> UnixMillis {
            let width = window.bucket.wholeMilliseconds
            return UnixMillis(now.rawValue - now.rawValue % width - Int64(window.bucketCount - 1) * width)
        }
    }

    /// `GET /internal/activity?window=hour|day`: every app's attempts per minute of the last hour, or per hour of the
    /// last day.
    @Sendable func activity(_ request: Request, context: HookdRequestContext) async throws -> Response {
        try await gate.authorize(request, context: context)
        let text = request.uri.queryParameters["window"].map(String.init) ?? "hour"
        guard let window = ActivityWindow(rawValue: text) else {
            throw APIError.validation(field: "window", "must be hour or day")
        }
        let first = ActivityData.firstBucket(of: window, now: clock.unixMillis)
        let counted = try await store.attemptCounts(since: first, bucket: window.bucket)
        return envelope.success(
            ActivityData(window: window, buckets: ActivityData.filled(counted, window: window, from: first)),
            message: "Activity retrieved successfully",
            context: context
        )
    }
}
