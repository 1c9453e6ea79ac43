/// When the dispatcher claims: the arithmetic of its attempts under way, kept apart from I/O so it can be tested.
///
/// A claim is a write (on PostgreSQL, round trips to a shared server), so under load the dispatcher claims in
/// batches rather than once per finished attempt. Two rules bound it:
/// - Slots: at most `--max-in-flight` requests open and one full batch claimed ahead of them; at most twice
///   `--max-in-flight` claimed and not yet recorded (a slow database makes it wait, and a crash repeats at most that
///   many attempts). With nothing under way any free slot is worth a claim, so a lone publish leaves at once.
/// - Caps: a claim that found fewer deliveries than it asked for was held back by the per-app or per-endpoint caps,
///   or found nothing more due. Claiming again as each attempt ends would find one delivery at a time (measured:
///   a third more CPU per delivery for an app alone at its cap), so after such a claim the next waits until a
///   quarter of the app's cap of attempts have ended, unless new work is announced, a timer runs out, or nothing
///   is under way any more.
struct ClaimPacing: Sendable, Equatable {
    /// `--max-in-flight`.
    let maximumInFlight: Int
    /// A full claim: the claim batch, at most `--max-in-flight`.
    let fullBatch: Int
    /// Attempts that must end after a short claim before the next claim is worth making.
    let refill: Int

    /// Claimed and not yet recorded.
    private(set) var unrecorded = 0
    /// Claimed, and their request not over yet (waiting for a slot, or open).
    private(set) var unsent = 0
    /// Whether the last claim found fewer than it asked for, and how many attempts ended since.
    private(set) var shortClaim = false
    private(set) var endedSinceShortClaim = 0

    init(configuration: DeliveryConfiguration) {
        maximumInFlight = configuration.maximumInFlight
        fullBatch = min(configuration.claimBatchSize, configuration.maximumInFlight)
        refill = max(1, min(fullBatch, configuration.maximumInFlightPerApp) / 4)
    }

    /// How many to claim now, or `nil` when a claim is not worth making yet.
    ///
    /// - Parameter newWork: Whether something was announced (a publish, a requeue, an endpoint enabled) or a timer
    ///   ran out since the last claim: then the caps' rule does not hold the claim back.
    func claimSize(newWork: Bool) -> Int? {
        let free = min(maximumInFlight + fullBatch - unsent, 2 * maximumInFlight - unrecorded)
        let worthClaiming = unrecorded == 0 ? 1 : max(1, fullBatch / 4)
        guard free >= worthClaiming else { return nil }
        guard newWork || !shortClaim || endedSinceShortClaim >= refill || unrecorded == 0 else { return nil }
        return min(free, fullBatch)
    }

    /// A claim asked for `asked` and got `got`.
    mutating func claimed(_ got: Int, asked: Int) {
        unrecorded += got
        unsent += got
        shortClaim = got < asked
        endedSinceShortClaim = 0
    }

    /// An attempt's request is over (its slot is free).
    mutating func sent() {
        unsent -= 1
    }

    /// An attempt's record is written (its lease is given back).
    mutating func recorded() {
        unrecorded -= 1
        endedSinceShortClaim += 1
    }
}
