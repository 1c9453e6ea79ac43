import HookdCore

/// A delivery as the log shows it.
struct DeliverySummaryData: JSONRepresentable {
    let summary: DeliverySummary
    /// The v3.20 routes write event names in UPPERCASE_SNAKE (SPEC §11).
    var v3_20 = false

    var members: [(String, JSONOutput)] {
        [
            ("deliveryId", .string(summary.id.rawValue)),
            ("webhookId", .string(summary.endpointID.rawValue)),
            ("eventId", .string(summary.eventID.rawValue)),
            ("event", .string(v3_20 ? EventName.v320Name(summary.event) : summary.event)),
            ("status", .string(summary.status.rawValue)),
            ("attempts", .int(Int64(summary.attempts))),
            ("lastAttemptAt", .timestamp(summary.lastAttemptAt?.unixSeconds)),
            ("nextAttemptAt", .timestamp(summary.nextAttemptAt?.unixSeconds)),
            ("lastHttpStatus", summary.lastHTTPStatus.map { .int(Int64($0)) } ?? .null),
            ("isTest", .bool(summary.isTest)),
            ("createdAt", .timestamp(summary.createdAt.unixSeconds)),
            ("orderingKey", summary.orderingKey.map { .string($0) } ?? .null),
        ]
    }

    var json: JSONOutput { .object(members) }
}

/// A page of the delivery log.
struct DeliveryListData: JSONRepresentable {
    let items: [DeliverySummary]
    var v3_20 = false
    var json: JSONOutput { .array(items.map { DeliverySummaryData(summary: $0, v3_20: v3_20).json }) }
}

/// A delivery with its payload and every attempt, with the headers each was sent with (credentials and MACs
/// redacted).
struct DeliveryDetailData: JSONRepresentable {
    let detail: DeliveryDetail

    var json: JSONOutput {
        var members = DeliverySummaryData(summary: detail.summary).members
        members.append(("data", .raw(detail.data)))
        members.append(
            (
                "attemptHistory",
                .array(
                    detail.attempts.map { attempt in
                        .object([
                            ("attempt", .int(Int64(attempt.number))),
                            ("attemptedAt", .timestamp(attempt.startedAt.unixSeconds)),
                            ("httpStatus", attempt.httpStatus.map { .int(Int64($0)) } ?? .null),
                            ("error", .string(attempt.error)),
                            ("responseTime", .int(attempt.latency.wholeMilliseconds)),
                            ("responseBody", .string(String(decoding: attempt.responseBody, as: UTF8.self))),
                            (
                                // Redacted before they were stored; again here for rows kept before that was so.
                                "requestHeaders",
                                .object(
                                    attempt.requestHeaders.map(HeaderRedaction.redacted).map {
                                        ($0.name, JSONOutput.string($0.value))
                                    }
                                )
                            ),
                        ])
                    }
                )
            )
        )
        return .object(members)
    }
}
