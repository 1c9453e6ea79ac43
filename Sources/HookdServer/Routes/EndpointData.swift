import HookdCore

/// An endpoint as the v3.20 routes show it (SPEC §11): never its secret, only the secret's prefix; its custom headers
/// with credentials redacted (``HeaderRedaction``).
struct EndpointData: JSONRepresentable {
    let endpoint: Endpoint
    /// Where an ED25519 endpoint's public keys are served (SPEC §15); `nil` for HMAC.
    let publicKeysURL: String?
    /// The endpoint's custom headers, opened.
    let headers: EndpointHeaders
    /// The app's type, for listing every event of a v3 endpoint.
    let appType: AppType
    let environment: AppEnvironment
    /// How long a v3.20 endpoint may fail every attempt before it is disabled (`--endpoint-disable-days`).
    let disableAfter: Duration

    var json: JSONOutput {
        let events = endpoint.events ?? EventCatalogue.events(for: appType).map(\.name)
        return .object([
            ("webhookId", .string(endpoint.id.rawValue)),
            ("url", .string(endpoint.url)),
            ("description", .string(endpoint.description)),
            ("events", .array(events.map { .string(EventName.v320Name($0)) })),
            ("environment", .string(environment.rawValue)),
            ("format", .string(endpoint.format.rawValue)),
            ("signatureScheme", .string(endpoint.signingScheme.rawValue)),
            ("ordering", .string(endpoint.ordering.rawValue)),
            ("publicKeysUrl", .string(publicKeysURL)),
            ("status", .string(endpoint.status.rawValue)),
            ("disabledReason", .string(endpoint.disabledReason?.rawValue)),
            ("secretPrefix", .string(endpoint.secretPrefix)),
            ("failureCount", .int(Int64(endpoint.failureCount))),
            ("failingSince", .timestamp(endpoint.failingSince?.unixSeconds)),
            ("disableAt", .timestamp(endpoint.disableAt(after: disableAfter))),
            ("lastDeliveryAt", .timestamp(endpoint.lastDeliveryAt?.unixSeconds)),
            ("lastDeliveryStatus", .string(endpoint.lastDeliveryStatus)),
            ("totalDeliveries", .int(endpoint.totalDeliveries)),
            ("totalFailures", .int(endpoint.totalFailures)),
            ("headers", .object(headers.redactedFields.map { ($0.name, .string($0.value)) })),
            ("rateLimit", endpoint.rateLimit.map { .int(Int64($0)) } ?? .null),
            ("createdAt", .timestamp(endpoint.createdAt)),
            ("updatedAt", .timestamp(endpoint.updatedAt)),
        ])
    }
}

/// A page of endpoints.
struct EndpointListData: JSONRepresentable {
    let items: [EndpointData]

    var json: JSONOutput { .array(items.map(\.json)) }
}

/// `DELETE /webhooks/{webhookId}`.
struct EndpointDeletedData: JSONRepresentable {
    let webhookID: EndpointID

    var json: JSONOutput { .object([("deleted", .bool(true)), ("webhookId", .string(webhookID.rawValue))]) }
}

/// `POST /webhooks/{webhookId}/enable`: the endpoint, and what was queued again with it.
struct EnabledEndpointData: JSONRepresentable {
    let endpoint: EndpointData
    let recovery: RecoveryData
    /// Since when failed deliveries were queued again; `nil` when none were asked for or the endpoint had no failures.
    let recoveredSince: UnixMillis?

    var json: JSONOutput {
        .object([
            ("webhook", endpoint.json), ("queued", .int(Int64(recovery.queued))), ("hasMore", .bool(recovery.hasMore)),
            ("recoveredSince", .timestamp(recoveredSince?.unixSeconds)),
        ])
    }
}

/// `POST /webhooks/{webhookId}/recover`.
struct RecoveryData: JSONRepresentable {
    let queued: Int
    /// Whether failed deliveries of the window were left for another call (the limit per call was reached).
    let hasMore: Bool

    var json: JSONOutput { .object([("queued", .int(Int64(queued))), ("hasMore", .bool(hasMore))]) }
}
