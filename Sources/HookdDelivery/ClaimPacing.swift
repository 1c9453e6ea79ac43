/// When the dispatcher claims, and how many: the arithmetic of its attempts under way, kept apart from I/O so it can
/// be tested.
///
/// A claim is a write (on PostgreSQL, round trips to a shared server), so the dispatcher claims ahead of its free
/// request slots, and under load in batches rather than once per finished attempt: at most `--max-in-flight`
/// requests open and one full batch claimed ahead of them, and at most twice `--max-in-flight` claimed and not yet
/// recorded (a slow database makes it wait rather than send ever further ahead of what it has written, and a crash
/// repeats at most that many attempts). With nothing under way any free slot is worth a claim, so a lone publish
/// leaves at once.
struct ClaimPacing: Sendable, Equatable {
    /// `--max-in-flight`.
    let maximumInFlight: Int
    /// A full claim: the claim batch, at most `--max-in-flight`.
    let fullBatch: Int

    /// Claimed and not yet recorded.
    private(set) var unrecorded = 0
    /// Claimed, and their request not over yet (waiting for a slot, or open).
    private(set) var unsent = 0

    init(configuration: DeliveryConfiguration) {
        maximumInFlight = configuration.maximumInFlight
        fullBatch = min(configuration.claimBatchSize, configuration.maximumInFlight)
    }

    /// How many to claim now, or `nil` when a claim is not worth making yet.
    var claimSize: Int? {
        let free = min(maximumInFlight + fullBatch - unsent, 2 * maximumInFlight - unrecorded)
        let worthClaiming = unrecorded == 0 ? 1 : max(1, fullBatch / 4)
        guard free >= worthClaiming else { return nil }
        return min(free, fullBatch)
    }

    /// A claim got `count` deliveries.
    mutating func claimed(_ count: Int) {
        unrecorded += count
        unsent += count
    }

    /// An attempt's request is over (its slot is free).
    mutating func sent() {
        unsent -= 1
    }

    /// An attempt's record is written (its lease is given back).
    mutating func recorded() {
        unrecorded -= 1
    }
}
