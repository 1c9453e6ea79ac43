import HookdCore
import HookdStore

/// `GET /webhooks/{webhookId}/stats`: per hour, the attempts that succeeded and failed, and their latency p50/p95.
struct EndpointStatsData: JSONRepresentable {
    /// One hour of attempts.
    struct Hour: Equatable {
        /// The hour's start.
        let start: UnixSeconds
        let succeeded: Int
        let failed: Int
        /// Nearest-rank percentiles of the hour's latencies, computed by the database (exact, not estimated);
        /// `nil` when it had no attempt.
        let latencyP50: Int64?
        let latencyP95: Int64?
    }

    let hours: [Hour]

    /// The `count` whole hours from `first`, oldest first: those the store counted, and the others empty.
    static func hours(_ counted: [AttemptHour], count: Int, from first: UnixMillis) -> [Hour] {
        let byStart = Dictionary(counted.map { ($0.start, $0) }, uniquingKeysWith: { first, _ in first })
        return (0..<count).map { index in
            let start = first + .seconds(3_600 * index)
            let hour = byStart[start]
            return Hour(
                start: start.unixSeconds,
                succeeded: hour?.succeeded ?? 0,
                failed: hour?.failed ?? 0,
                latencyP50: hour?.latencyP50.wholeMilliseconds,
                latencyP95: hour?.latencyP95.wholeMilliseconds
            )
        }
    }

    var json: JSONOutput {
        .object([
            (
                "hours",
                .array(
                    hours.map { hour in
                        .object([
                            ("hour", .timestamp(hour.start)),
                            ("succeeded", .int(Int64(hour.succeeded))),
                            ("failed", .int(Int64(hour.failed))),
                            ("latencyP50", hour.latencyP50.map(JSONOutput.int) ?? .null),
                            ("latencyP95", hour.latencyP95.map(JSONOutput.int) ?? .null),
                        ])
                    }
                )
            )
        ])
    }
}
