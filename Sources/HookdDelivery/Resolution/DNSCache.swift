import HookdCore

/// The stub resolver's short memory of lookups: the result for each host until it expires, at most `capacity`
/// hosts, the oldest stored forgotten first.
///
/// It is a plain value with no lock and no clock of its own: ``DNSStubResolver`` keeps it under its mutex and says
/// what time it is.
struct DNSCache {
    /// A stored result and when it stops counting.
    private struct Entry {
        var result: Result<[IPAddress], HostResolutionError>
        var expiry: ContinuousClock.Instant
        /// When it was stored, in storing order: eviction removes the lowest.
        var sequence: UInt64
    }

    /// How many hosts it holds at most.
    let capacity: Int
    private var entries: [String: Entry] = [:]
    /// Hosts in storing order, with the sequence each was stored with; a pair whose sequence is no longer its
    /// host's (stored again since, or removed) is skipped when met.
    private var order: [(host: String, sequence: UInt64)] = []
    private var orderStart = 0
    private var nextSequence: UInt64 = 0

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// How many hosts it holds now, expired ones included until they are looked up or evicted.
    var count: Int { entries.count }

    /// The result stored for `host`, unless there is none or it has expired (then it is forgotten).
    mutating func result(for host: String, now: ContinuousClock.Instant) -> Result<[IPAddress], HostResolutionError>? {
        guard let entry = entries[host] else { return nil }
        guard now < entry.expiry else {
            entries[host] = nil
            return nil
        }
        return entry.result
    }

    /// Stores `result` for `host` until `expiry`, forgetting the oldest hosts stored when there are too many.
    mutating func store(
        _ result: Result<[IPAddress], HostResolutionError>,
        for host: String,
        until expiry: ContinuousClock.Instant
    ) {
        guard capacity > 0 else { return }
        nextSequence += 1
        entries[host] = Entry(result: result, expiry: expiry, sequence: nextSequence)
        order.append((host, nextSequence))
        while entries.count > capacity, orderStart < order.count {
            let oldest = order[orderStart]
            orderStart += 1
            if entries[oldest.host]?.sequence == oldest.sequence {
                entries[oldest.host] = nil
            }
        }
        // Keep the order list near the size of the cache: drop the pairs already passed, and rebuild it when
        // stale pairs (hosts stored again, or expired and forgotten) have piled up.
        if orderStart > capacity {
            order.removeFirst(orderStart)
            orderStart = 0
        }
        if order.count > 2 * capacity + 16 {
            order = entries.map { ($0.key, $0.value.sequence) }.sorted { $0.sequence < $1.sequence }
            orderStart = 0
        }
    }
}
