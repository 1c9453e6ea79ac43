/// Takes from several queues in turn, so that none is served twice before every other has been served once.
enum FairShare {
    /// The first item of each queue, then the second of each, and so on, until `limit` items are taken.
    ///
    /// Queues are visited in the order given (the claim orders them least recently served first), so when `limit`
    /// cuts a round short, the queues served longest ago are the ones that get their turn.
    static func takeInTurn<Item>(_ queues: [[Item]], limit: Int) -> [Item] {
        var taken: [Item] = []
        taken.reserveCapacity(min(limit, queues.reduce(0) { $0 + $1.count }))
        var round = 0
        while taken.count < limit {
            var tookAny = false
            for queue in queues where round < queue.count {
                taken.append(queue[round])
                tookAny = true
                if taken.count == limit { return taken }
            }
            guard tookAny else { break }
            round += 1
        }
        return taken
    }
}
