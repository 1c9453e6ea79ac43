public import HookdCore
public import HookdStore
public import Logging
public import ServiceLifecycle
import Synchronization

/// Claims due deliveries and attempts them, at most ``DeliveryConfiguration/maximumInFlight`` at a time.
///
/// Claims are taken in batches under a lease, apps in turn and then each app's endpoints in turn, at most
/// ``DeliveryConfiguration/maximumInFlightPerApp`` per app and ``DeliveryConfiguration/maximumInFlightPerEndpoint``
/// per endpoint (the store counts leases across processes), so one tenant's slow receivers or backlog hold only
/// its own share of the slots (SPEC §13). The next batch is claimed while the
/// requests of the last are open: up to one batch claimed ahead waits for a request slot, first come first served,
/// so the slots do not stand empty while a claim (a round trip to a shared database) is made. The dispatcher
/// sleeps until a publish or a finished attempt wakes it, something falls due, or the idle poll interval passes
/// (the fallback when another process published). On graceful shutdown it stops claiming, sends what was claimed
/// ahead at once, and lets the attempts in flight run to their deadline and be recorded; if its task is cancelled
/// first, they are recorded as interrupted.
public final class DeliveryDispatcher: Service {
    private let store: any DeliveryQueue
    private let attempter: DeliveryAttempter
    private let signal: DispatchSignal
    private let clock: any WallClock
    private let configuration: DeliveryConfiguration
    private let logger: Logger
    /// Attempts claimed and not yet recorded, and of those, the ones whose request is not over yet (waiting for a
    /// slot, or open); and when the next claim is worth making.
    private let pacing: Mutex<ClaimPacing>
    /// The `--max-in-flight` request slots.
    private let slots: SendSlots

    public init(
        store: any DeliveryQueue,
        attempter: DeliveryAttempter,
        signal: DispatchSignal,
        clock: any WallClock,
        configuration: DeliveryConfiguration,
        logger: Logger
    ) {
        self.store = store
        self.attempter = attempter
        self.signal = signal
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
        self.slots = SendSlots(count: configuration.maximumInFlight)
        self.pacing = Mutex(ClaimPacing(configuration: configuration))
    }

    /// Attempts claimed and not yet recorded.
    public var attemptsInFlight: Int { pacing.withLock { $0.unrecorded } }

    public func run() async throws {
        if configuration.releaseLeasesOnStart {
            try await store.releaseAllLeases()
        }
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
            // What waits for a slot goes now, to end within the delivery timeout like the requests already open.
            self.slots.open()
            self.signal.wake()
        }
        logger.info("dispatcher stopped")
    }

    /// Whether something may be due that the last claim did not see: set by every wake that is not the dispatcher's
    /// own (a publish, a requeue, shutdown) and by a wait that ran out.
    private let newWork = Mutex(true)

    /// Claims what fits and starts it, or waits for a reason to look again.
    private func dispatchOnce(into group: inout DiscardingTaskGroup) async {
        // `--max-in-flight` bounds the requests open at once; an attempt's slot is free again when its request is
        // over, while its record is written (grouped with others) behind it. Up to a batch more is claimed ahead and
        // waits for a slot (``ClaimPacing``).
        let announced = newWork.withLock { $0 }
        guard let size = pacing.withLock({ $0.claimSize(newWork: announced) }) else {
            await wait(timeout: configuration.idlePollInterval)
            return
        }
        newWork.withLock { $0 = false }
        let now = clock.unixMillis
        let claims: [ClaimedDelivery]
        do {
            claims = try await store.claimDueDeliveries(
                limit: size,
                caps: configuration.caps,
                now: now,
                // Its own attempt's deadline, and as long again: claimed ahead, it may wait that long for a slot.
                leaseUntil: now + configuration.leaseDuration + configuration.timeout * 2
            )
        } catch {
            logger.warning(
                "claiming deliveries failed; will retry",
                metadata: ["hookd.error": .string(String(describing: type(of: error)))]
            )
            newWork.withLock { $0 = true }
            await wait(timeout: configuration.idlePollInterval)
            return
        }
        pacing.withLock { $0.claimed(claims.count, asked: size) }
        guard !claims.isEmpty else {
            await wait(timeout: await idleWait(now: now))
            return
        }
        for claim in claims {
            group.addTask {
                let holdsSlot = await self.slots.acquire()
                _ = await self.attempter.attempt(claim) {
                    if holdsSlot {
                        self.slots.release()
                    }
                    self.pacing.withLock { $0.sent() }
                    self.signal.wake(announcingWork: false)
                }
                self.pacing.withLock { $0.recorded() }
                self.signal.wake(announcingWork: false)
            }
        }
    }

    /// Waits for a wake or `timeout`; what is announced, or a wait that ran out, makes the next claim look again.
    private func wait(timeout: Duration) async {
        if await signal.wait(timeout: timeout) {
            newWork.withLock { $0 = true }
        }
    }

    /// How long to sleep when nothing is due: until the earliest pending delivery, at most the poll interval.
    private func idleWait(now: UnixMillis) async -> Duration {
        guard let next = try? await store.nextDueTime(caps: configuration.caps) else {
            return configuration.idlePollInterval
        }
        let until = max(.zero, next - now)
        return max(.milliseconds(1), min(until, configuration.idlePollInterval))
    }
}
