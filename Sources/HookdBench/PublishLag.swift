import NIOHTTP1
import Synchronization

/// Publish→receipt lag at a steady publishing rate: how long an event takes from its publish request to its
/// arrival at the receiver.
public struct PublishLag: Sendable, Codable {
    /// The publishing rate.
    public var perSecond: Double
    /// Events published, and how many arrived.
    public var events: Int
    public var arrived: Int
    public var lag: LatencySummary

    /// The measurement as one line for a person.
    public var text: String {
        "at \(Format.rate(perSecond)): \(lag.text) (\(arrived)/\(events) arrived)"
    }

    /// Publishes for `session`'s app at `pace` (open loop) and measures each event's lag to `receiver`, the app's
    /// URL, whose count starts afresh.
    static func measure(
        _ pace: PublishPace,
        from session: BenchSession,
        to receiver: BenchReceiver,
        client: LoadGenerator,
        progress: BenchProgress
    ) async throws -> PublishLag {
        receiver.reset()
        let rate = pace.perSecond
        let count = Int(rate * pace.seconds)
        progress.say("lag: publishing \(count) events at \(Format.rate(rate))")
        let eventIDs = (0..<count).map { _ in EventData.eventID() }
        let sent = Mutex([UInt64](repeating: 0, count: count))
        let paced = try await progress.reporting("\(receiver.count) delivered") {
            await client.pace(
                count: count,
                perSecond: rate,
                expecting: .accepted,
                started: { index, time in sent.withLock { $0[index] = time } }
            ) { index in
                session.publishRequest(eventID: eventIDs[index], index: index)
            }
        }
        guard paced.failed == 0 else {
            throw BenchError("\(paced.failed) publishes failed during the lag run: \(paced.failures)")
        }
        _ = try await waitForArrivals(of: Set(eventIDs), at: receiver, seconds: 60)
        let index = Dictionary(eventIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let sentTimes = sent.withLock { $0 }
        var firstArrival: [Int: UInt64] = [:]
        for arrival in receiver.arrivals {
            guard let position = index[arrival.eventID], firstArrival[position] == nil else { continue }
            firstArrival[position] = arrival.nanoseconds
        }
        let lags = firstArrival.map { position, time in time &- sentTimes[position] }
        return PublishLag(perSecond: rate, events: count, arrived: lags.count, lag: LatencySummary(nanoseconds: lags))
    }
}
