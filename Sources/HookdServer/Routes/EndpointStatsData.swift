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
        /// Nearest-rank percentiles of the hour's latencies; `nil` when it had no attempt.
        let latencyP50: Int64?
        let latencyP95: Int64?
    }

    let hours: [Hour]

    /// Buckets `samples` into the `count` whole hours ending with the one that holds `now`, oldest first.
    static func hours(_ samples: [AttemptSample], count: Int, now: UnixMillis) -> [Hour] {
        let hour: Int64 = 3_600_000
        let last = now.rawValue - now.rawValue % hour
        let first = last - Int64(count - 1) * hour
        var buckets = [[AttemptSample]](repeating: [], count: count)
        for sample in samples where sample.startedAt.rawValue >= first {
            let index = Int((sample.startedAt.rawValue - first) / hour)
            if index < count { buckets[index].append(sample) }
        }
        return buckets.enumerated().map { index, samples in
            let latencies = samples.map(\.latencyMillis).sorted()
            return Hour(
                start: UnixMillis(first + Int64(index) * hour).unixSeconds,
                succeeded: samples.count { $0.succeeded },
                failed: samples.count { !$0.succeeded },
                latencyP50: percentile(latencies, 50),
                latencyP95: percentile(latencies, 95)
            )
        }
    }

    /// The nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Int64], _ percent: Int) -> Int64? {
        guard !sorted.isEmpty else { return nil }
        let rank = (percent * sorted.count + 99) / 100
        return sorted[max(rank, 1) - 1]
    }

    var json: JSONOutput {
        .object([
            (
                "hours",
                .array(
                    hours.map { hour in
                        .object([
                            ("hour", .string(Timestamp.iso8601(hour.start))),
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
