public import HookdCore
public import HookdStore
public import Logging
public import ServiceLifecycle
import Synchronization

/// Claims due deliveries and attempts them, at most ``DeliveryConfiguration/maximumInFlight`` at a time.
///
/// Claims are taken in batches under a lease, apps in turn and then each app's endpoints in turn, within what each
/// app and endpoint may have claimed across processes (``DeliveryConfiguration/claimCaps``, counted by the store).
/// The next batch is claimed while the requests of the last are open: up to one batch claimed ahead waits for a
/// request slot (``RequestSlots``), so the slots do not stand empty while a claim (on PostgreSQL, round trips to a
/// shared server) is made. An app holds at most ``DeliveryConfiguration/maximumInFlightPerApp`` slots and an
/// endpoint ``DeliveryConfiguration/maximumInFlightPerEndpoint``, and apps waiting for slots take turns, so one
/// tenant's slow receivers or backlog hold only its own share of them (SPEC §13). The dispatcher
/// sleeps until a publish or a finished attempt wakes it, something falls due, or the idle poll interval passes
/// (the fallback when another process published). On graceful shutdown it stops claiming, gives back unsent what
/// was claimed ahead, and lets the attempts in flight run to their deadline and be recorded; if its task is
/// cancelled first, they are recorded as interrupted.
public final class DeliveryDispatcher: Service {
    private let attempter: DeliveryAttempter
    private let signal: DispatchSignal
    /// The attempter's queue, clock, configuration and logger: the dispatcher claims from the queue it records to.
    private var store: any DeliveryQueue { attempter.store }
    private var clock: any WallClock { attempter.clock }
    private var configuration: DeliveryConfiguration { attempter.configuration }
    private var logger: Logger { attempter.logger }
    /// Attempts claimed and not yet recorded, and of those, the ones whose request is not over yet (waiting for a
    /// slot, or open); and when the next claim is worth making.
    private let pacing: Mutex<ClaimPacing>
    /// The `--max-in-flight` request slots, shared between tenants within their caps.
    private let slots: RequestSlots

    /// Makes a dispatcher that claims from `attempter`'s queue, with its clock, configuration and logger.
    ///
    /// - Parameters:
    ///   - attempter: Makes and records each attempt; its store is the queue claimed from.
    ///   - signal: Wakes the dispatcher when a publish or a finished attempt may have made work due.
    public init(attempter: DeliveryAttempter, signal: DispatchSignal) {
        self.attempter = attempter
        self.signal = signal
        let configuration = attempter.configuration
        self.slots = RequestSlots(
            count: configuration.maximumInFlight,
            perApp: configuration.maximumInFlightPerApp,
            perEndpoint: configuration.maximumInFlightPerEndpoint
        )
        self.pacing = Mutex(ClaimPacing(configuration: configuration))
    }

    /// Attempts claimed and not yet recorded.
    public var attemptsInFlight: Int { pacing.withLock { $0.unrecorded } }

    /// This dispatcher, among those sharing the queue.
    private let id = Identifiers.dispatcherID()
    /// When it last noted itself alive, and how many dispatchers shared the queue then.
    private let lastPresence = Mutex<UnixMillis?>(nil)
    private let sharing = Mutex(1)

    /// Notes this dispatcher alive every ``DeliveryConfiguration/presenceInterval`` and holds it to its share of the caps among those alive
    /// (SPEC §13: an app's slots stay within its cap across nodes). A failure keeps the last share. Liveness is told
    /// by the system's clock, which every node shares, not the injected one.
    private func notePresence() async {
        let now = SystemWallClock().unixMillis
        let due = lastPresence.withLock { last in
            guard last.map({ now - $0 >= configuration.presenceInterval || now < $0 }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        do {
            let dispatchers = try await store.dispatchersSharingQueue(
                id: id,
                now: now,
                // A dispatcher is counted at once and forgotten only after six missed notes: counting one too many
                // only lowers the shares for a while, counting one too few would let the fleet pass the caps.
                aliveSince: now - configuration.presenceInterval * 6
            )
            slots.share(among: dispatchers)
            let changed = sharing.withLock { last in
                defer { last = dispatchers }
                return last != dispatchers
            }
            if changed {
                let caps = slots.caps
                logger.info(
                    "dispatchers sharing the queue changed; this one holds its share of the caps",
                    metadata: [
                        "hookd.dispatchers": .stringConvertible(dispatchers),
                        "hookd.slots.per_app": .stringConvertible(caps.perApp),
                        "hookd.slots.per_endpoint": .stringConvertible(caps.perEndpoint),
                    ]
                )
            }
        } catch {
            logger.warning(
                "noting the dispatcher alive failed; keeping its share of the caps",
                metadata: ["hookd.error": .string(String(describing: type(of: error)))]
            )
        }
    }

    public func run() async throws {
        if configuration.releaseLeasesOnStart {
            try await store.releaseAllLeases()
        }
        await notePresence()
        logger.info(
            "dispatcher started",
            metadata: ["hookd.dispatcher.max_in_flight": .stringConvertible(configuration.maximumInFlight)]
        )
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                while !Task.isShuttingDownGracefully && !Task.isCancelled {
                    await dispatchOnce(into: &group)
                }
            }
        } onGracefulShutdown: {
            // What waits for a slot is given back unsent: only the requests already open run to their deadline.
            self.slots.close()
            self.signal.wake()
        }
        // The others take back this one's share of the caps at once.
        try? await store.leaveQueue(dispatcherID: id)
        logger.info("dispatcher stopped")
    }

    /// Claims what fits and starts it, or waits for a reason to look again.
    private func dispatchOnce(into group: inout DiscardingTaskGroup) async {
        await notePresence()
        // `--max-in-flight` bounds the requests open at once; an attempt's slot is free again when its request is
        // over, while its record is written (grouped with others) behind it. Up to a batch more is claimed ahead and
        // waits for a slot (``ClaimPacing``), where the caps hold what each app and endpoint may have open.
        guard let size = pacing.withLock({ $0.claimSize }) else {
            await signal.wait(timeout: configuration.idlePollInterval)
            return
        }
        let now = clock.unixMillis
        let claimedAt = ContinuousClock.now
        let claims: [ClaimedDelivery]
        do {
            claims = try await store.claimDueDeliveries(
                limit: size,
                caps: configuration.claimCaps,
                now: now,
                // Its own attempt's deadline, and as long again: claimed ahead, it may wait that long for a slot.
                leaseUntil: now + configuration.leaseDuration + configuration.timeout * 2
            )
        } catch {
            logger.warning(
                "claiming deliveries failed; will retry",
                metadata: ["hookd.error": .string(String(describing: type(of: error)))]
            )
            await signal.wait(timeout: configuration.idlePollInterval)
            return
        }
        guard !claims.isEmpty else {
            await signal.wait(timeout: await idleWait(now: now))
            return
        }
        pacing.withLock { $0.claimed(claims.count) }
        for claim in claims {
            group.addTask {
                let holder = RequestSlots.Holder(appID: claim.appID, endpointID: claim.endpointID)
                if await self.slots.acquire(holder) {
                    _ = await self.attempter.attempt(claim, claimedAt: claimedAt) {
                        self.slots.release(holder)
                        self.pacing.withLock { $0.sent() }
                        self.signal.wake()
                    }
                } else {
                    // Shutting down: given back unsent, due at once for another node (or this one's next start).
                    try? await self.store.releaseUnsent([claim])
                    self.pacing.withLock { $0.sent() }
                }
                self.pacing.withLock { $0.recorded() }
                self.signal.wake()
            }
        }
    }

    /// How long to sleep when nothing is due: until the earliest pending delivery, at most the poll interval.
    private func idleWait(now: UnixMillis) async -> Duration {
        guard let next = try? await store.nextDueTime(caps: configuration.claimCaps) else {
            return configuration.idlePollInterval
        }
        let until = max(.zero, next - now)
        return max(.milliseconds(1), min(until, configuration.idlePollInterval))
    }
}
