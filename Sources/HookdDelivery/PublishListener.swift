public import HookdStore
public import Logging
public import ServiceLifecycle

/// Wakes this process's dispatcher when another process publishes (PostgreSQL `LISTEN`), reconnecting when the
/// channel drops. The dispatcher's idle poll covers the moments without a listener.
public struct PublishListener: Service {
    let store: any DeliveryQueue
    let signal: DispatchSignal
    let logger: Logger

    public init(store: any DeliveryQueue, signal: DispatchSignal, logger: Logger) {
        self.store = store
        self.signal = signal
        self.logger = logger
    }

    public func run() async throws {
        guard store.isSharedAcrossProcesses else {
            try? await gracefulShutdown()
            return
        }
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await store.listenForPublishes { signal.wake() }
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("the publish notification channel dropped; reconnecting")
                }
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
}
