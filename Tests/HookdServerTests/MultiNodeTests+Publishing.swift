import Foundation
import HookdServerTestSupport
import Testing

/// Publishing a batch, waiting for it to arrive, and timing it.
extension MultiNodeTests {
    /// What a batch of publishes came to.
    struct PublishReport: Sendable {
        /// The indices whose event got a 202.
        var accepted = Set<Int>()
        /// Why each failed try failed (a failed publish is tried again with the same eventId).
        var failures: [String] = []
    }

    /// Publishes the events at `indices` through `base`, `publishConcurrency` at a time.
    ///
    /// A publish that fails (an error status, or no answer within 30 s) is tried again with the same eventId every 250 ms for up
    /// to `patience` seconds: the publish is idempotent, so a try that was stored before its answer was lost does
    /// not make a second event.
    static func publish(
        _ indices: [Int],
        eventIDs: [String],
        base: String,
        on cluster: Cluster,
        patience: Double = 90
    ) async -> PublishReport {
        let appID = cluster.appID
        let operatorKey = cluster.operatorKey
        var report = PublishReport()
        await withTaskGroup(of: (Int, Bool, [String]).self) { group in
            var pending = indices[...]
            var inFlight = 0
            while true {
                while inFlight < publishConcurrency, let index = pending.popFirst() {
                    let eventID = eventIDs[index]
                    group.addTask {
                        let deadline = Date().addingTimeInterval(patience)
                        var failures: [String] = []
                        while true {
                            if let failure = await Self.publishOnce(
                                index: index,
                                eventID: eventID,
                                base: base,
                                appID: appID,
                                operatorKey: operatorKey
                            ) {
                                failures.append(failure)
                                if Date() > deadline { return (index, false, failures) }
                                try? await Task.sleep(for: .milliseconds(250))
                            } else {
                                return (index, true, failures)
                            }
                        }
                    }
                    inFlight += 1
                }
                guard let (index, accepted, failures) = await group.next() else { break }
                inFlight -= 1
                if accepted { report.accepted.insert(index) }
                report.failures += failures
            }
        }
        return report
    }

    /// One publish: `nil` on a 202 with the eventId, otherwise what went wrong.
    static func publishOnce(
        index: Int,
        eventID: String,
        base: String,
        appID: String,
        operatorKey: String
    ) async -> String? {
        let json = #"{"appId":"\#(appID)","event":"card.created","data":{"i":\#(index)},"eventId":"\#(eventID)"}"#
        let request = LiveHTTP.request(base + "/api/v3/internal/events", json: json, bearer: operatorKey)
        do {
            let response = try await LiveHTTP.send(request, timeout: 30)
            let data = response.body["data"] as? [String: Any]
            guard response.status == 202, data?["eventId"] as? String == eventID else {
                let error = response.body["error"] as? [String: Any]
                return "HTTP \(response.status) \(error?["code"] as? String ?? "\(response.body)")"
            }
            return nil
        } catch {
            return "no answer: \(error)"
        }
    }

    /// Waits until every event of `expected` has arrived at `receiver` (or `seconds` pass); returns the eventIds seen.
    static func waitForArrival(
        of expected: Set<String>,
        at receiver: TestReceiver,
        seconds: Double
    ) async -> Set<String> {
        let deadline = Date().addingTimeInterval(seconds)
        var seen = Set<String>()
        while true {
            let requests = receiver.received
            if requests.count >= expected.count || Date() > deadline {
                seen = Set(requests.compactMap { $0.header("webhook-id") })
                if seen.isSuperset(of: expected) || Date() > deadline { return seen }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Waits until the delivery log counts `succeeded` deliveries and none pending; returns the last counts read.
    static func waitForLog(
        succeeded expected: Int,
        base: String,
        token: String,
        seconds: Double
    ) async -> (succeeded: Int?, pending: Int?) {
        let deadline = Date().addingTimeInterval(seconds)
        var counts: (succeeded: Int?, pending: Int?) = (nil, nil)
        while Date() < deadline {
            counts.succeeded = try? await LiveHTTP.deliveries("SUCCEEDED", base: base, token: token)
            counts.pending = try? await LiveHTTP.deliveries("PENDING", base: base, token: token)
            if counts.succeeded == expected && counts.pending == 0 { break }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return counts
    }

    /// What one throughput run measured, in seconds from enabling the URL.
    struct Run {
        let perSecond: Double
        let firstArrival: Double
        let lastArrival: Double
        /// Publishes per second while the backlog was built (nothing delivered meanwhile).
        let publishedPerSecond: Double
    }

    /// Publishes `indices` while the URL is unset, sets it, and times the deliveries from then to the last arrival.
    static func measure(
        _ indices: [Int],
        eventIDs: [String],
        base: String,
        token: String,
        on cluster: Cluster
    ) async throws -> Run {
        _ = try await LiveHTTP.setWebhookURL(nil, base: base, token: token)
        let publishing = ContinuousClock.now
        let backlog = await publish(Array(indices.dropLast()), eventIDs: eventIDs, base: base, on: cluster)
        let publishDuration = ContinuousClock.now - publishing
        let enabledAt = Date()
        _ = try await LiveHTTP.setWebhookURL(cluster.receiverURL, base: base, token: token)
        // Setting the URL wakes no worker (they would find the backlog at their next idle poll, up to a second
        // later); the last event's publish does, through LISTEN/NOTIFY.
        let kick = await publish(Array(indices.suffix(1)), eventIDs: eventIDs, base: base, on: cluster)
        let accepted = backlog.accepted.union(kick.accepted)
        #expect(accepted.count == indices.count, "\((backlog.failures + kick.failures).prefix(3))")
        let expected = Set(accepted.map { eventIDs[$0] })
        let seen = await waitForArrival(of: expected, at: cluster.receiver, seconds: 120)
        #expect(seen.isSuperset(of: expected), "\(expected.subtracting(seen).count) events never arrived")
        let arrivals = cluster.receiver.received.filter { expected.contains($0.header("webhook-id") ?? "") }.map(\.at)
        let first = try #require(arrivals.min()).timeIntervalSince(enabledAt)
        let last = try #require(arrivals.max()).timeIntervalSince(enabledAt)
        return Run(
            perSecond: Double(expected.count) / last,
            firstArrival: first,
            lastArrival: last,
            publishedPerSecond: Double(indices.count - 1) / publishDuration.inSeconds
        )
    }
}
