public import HookdCore

/// What the operator sees of the whole service: every app's backlog and every app's attempts over time.
///
/// These are the only reads that span tenants; only the operator's routes use them.
public protocol ServiceOverview: Sendable {
    /// How many deliveries each app has still `PENDING`, by app id; an app with none is absent.
    func pendingDeliveryCounts() async throws -> [AppID: Int]

    /// The attempts of every app started at or after `since`, counted in buckets of `bucket` (aligned to multiples
    /// of it since the epoch), oldest first; a bucket without attempts is absent.
    func attemptCounts(since: UnixMillis, bucket: Duration) async throws -> [AttemptCount]

    /// The endpoints of every app whose attempts are failing (active, with a run of failures) or that were disabled
    /// for failing or for answering 410, longest failing first, with how many there are in all (SPEC §14). Not the
    /// operator's own webhook.
    func failingEndpoints(limit: Int, offset: Int) async throws -> (items: [FailingEndpoint], total: Int)
}

/// An endpoint in the operator's list of failing endpoints, with its app's name.
public struct FailingEndpoint: Sendable, Equatable {
    public var endpoint: Endpoint
    public var appName: String

    public init(endpoint: Endpoint, appName: String) {
        self.endpoint = endpoint
        self.appName = appName
    }
}

/// Which endpoints ``ServiceOverview/failingEndpoints(limit:offset:)`` lists, on `webhook_endpoints` (both stores).
/// A constant, never data.
let failingEndpointCondition = """
    failing_since IS NOT NULL AND deleted_at IS NULL AND app_id <> '\(OperatorWebhook.appID.rawValue)'
    AND (status = 'ACTIVE' OR disabled_reason IN ('FAILING', 'GONE'))
    """

/// The attempts of one bucket of time: those answered with a 2xx, and the rest.
public struct AttemptCount: Sendable, Equatable {
    /// The bucket's start.
    public var start: UnixMillis
    public var succeeded: Int
    public var failed: Int

    public init(start: UnixMillis, succeeded: Int, failed: Int) {
        self.start = start
        self.succeeded = succeeded
        self.failed = failed
    }
}
