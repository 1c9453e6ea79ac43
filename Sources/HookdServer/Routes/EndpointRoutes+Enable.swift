import HookdCore
import HookdDelivery
import HookdStore
import Hummingbird
import Logging

extension EndpointRoutes {
    /// `POST /webhooks/{webhookId}/enable` `{recoverFailed?}`: the one step a disabled endpoint offers (SPEC §14).
    ///
    /// Enables the endpoint as `PATCH {"enabled":true}` does (its waiting deliveries go out, and the app and the
    /// operator are told), then, with `recoverFailed`, queues again every `FAILED` delivery to it created since its
    /// failures began (less the retry schedule's length, so that the deliveries whose retries ran into the failures
    /// are taken), as `POST …/recover` would. An endpoint that was not failing has nothing to recover. Each call
    /// counts against `--webhook-updates-per-minute` as a `PATCH` does, and with `recoverFailed` against
    /// `--retries-per-minute` too.
    @Sendable func enable(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let (principal, endpoint) = try await requireEndpoint(context)
        // A change of the endpoint like PATCH's, under the same per-app limit.
        let body = try await readChange(request, of: principal, allowed: ["recoverFailed"])
        var problems: [APIError.FieldError] = []
        let recoverFailed = body.optionalBool("recoverFailed", &problems) ?? false
        try problems.throwIfAny()
        if recoverFailed {
            try await limiter.take("retries:\(principal.appID)", perMinute: configuration.limits.retriesPerMinute)
        }
        // Read before enabling, which ends the run of failures.
        let failingSince = endpoint.failingSince
        guard
            let enabled = try await store.updateEndpoint(
                appID: principal.appID,
                id: endpoint.id,
                EndpointChange(enabled: true, noticeAttemptsAllowed: configuration.delivery.attemptsAllowed.endpoint),
                now: clock.unixSeconds
            )
        else { throw APIError.notFound }
        var recovery = RecoveryOutcome(queued: 0, hasMore: false)
        let now = clock.unixMillis
        // A delivery created a little before the failures began may have failed in them: its retries reached into
        // the run (the first failure's own delivery always does). Those created up to the retry schedule's length
        // before are taken too.
        let since = failingSince.map { $0 - configuration.delivery.endpointRetrySchedule.reduce(.seconds(60), +) }
        if recoverFailed, let since {
            recovery =
                try await store.recoverDeliveries(
                    appID: principal.appID,
                    endpointID: endpoint.id,
                    // Up to this millisecond, this one included.
                    createdIn: since..<(now + .milliseconds(1)),
                    now: now,
                    limit: configuration.limits.recoveriesPerCall,
                    maximumManualRetries: configuration.limits.manualRetriesPerDelivery
                ) ?? recovery
        }
        signal.wake()
        context.logger.info(
            "webhook endpoint enabled",
            metadata: [
                "hookd.webhook.id": .string(endpoint.id.rawValue),
                "hookd.recovered": .stringConvertible(recovery.queued),
            ]
        )
        return envelope.success(
            EnabledEndpointData(
                endpoint: try data(enabled, principal, request),
                recovery: RecoveryData(queued: recovery.queued, hasMore: recovery.hasMore),
                recoveredSince: recoverFailed ? since : nil
            ),
            message: "Webhook enabled",
            context: context
        )
    }
}
