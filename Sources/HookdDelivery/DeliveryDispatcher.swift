import HookdCore
import HookdStore
import Logging
import ServiceLifecycle
import Synchronization

/// Claims due deliveries and attempts them, at most ``DeliveryConfiguration/maximumInFlight`` at a time.
///
/// Claims are taken in batches under a lease. The dispatcher sleeps until a publish wakes it, the earliest
/// pending delivery falls due, or the idle poll interval passes (the fallback when another process published).
/// On graceful shutdown it stops claiming and lets the attempts in flight finish and be recorded.
public final class DeliveryDispatcher: Service {
    private let store: any Store
    private let attempter: DeliveryAttempter
    private let signal: DispatchSignal
    private let clock: any WallClock
    private let configuration: DeliveryConfiguration
    private let logger: Logger
    private let inFlight = Mutex(0)

    public init(
        store: any Store,
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
    }

    /// Attempts currently in flight.
    public var attemptsInFlight: Int { inFlight.withLock { $0 } }

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
            self.signal.wake()
        }
        logger.info("dispatcher stopped")
    }

    /// Claims what fits and starts it, or waits for a reason to look again.
    private func dispatchOnce(into group: inout DiscardingTaskGroup) async {
        let inFlightNow = attemptsInFlight
        let free = configuration.maximumInFlight - inFlightNow
        // Under load, claim in batches rather than one delivery per finished attempt: every claim is a write.
        // With nothing in flight any free slot is enough, so a lone publish leaves at once.
        let worthClaiming =
            inFlightNow == 0 ? 1 : max(1, min(configuration.claimBatchSize, configuration.maximumInFlight) / 4)
        guard free >= worthClaiming else {
            await signal.wait(timeout: configuration.idlePollInterval)
            return
        }
        let now = clock.milliseconds
        let claims: [ClaimedDelivery]
        do {
            claims = try await store.claimDueDeliveries(
                limit: min(free, configuration.claimBatchSize),
                now: now,
                leaseUntil: now + configuration.leaseDuration.wholeMilliseconds
                    + configuration.timeout.wholeMilliseconds
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
        inFlight.withLock { $0 += claims.count }
        for claim in claims {
            group.addTask {
                _ = await self.attempter.attempt(claim)
                self.inFlight.withLock { $0 -= 1 }
                self.signal.wake()
            }
        }
    }

    /// How long to sleep when nothing is due: until the earliest pending delivery, at most the poll interval.
    private func idleWait(now: Int64) async -> Duration {
        guard let next = try? await store.nextDueTime() else { return configuration.idlePollInterval }
        let until = Duration.milliseconds(max(0, next - now))
        return max(.milliseconds(1), min(until, configuration.idlePollInterval))
    }
}
