package import Hummingbird
import Logging
import ServiceLifecycle

/// A test's fake peer (a webhook receiver, an OpenTelemetry collector) serving a router on 127.0.0.1 until it is
/// stopped.
package struct LoopbackServer: Sendable {
    /// The port it listens on.
    package let port: Int
    let group: ServiceGroup
    let task: Task<Void, any Error>

    /// Serves `router` on 127.0.0.1 (`port` 0 picks a free one), logging errors only under `label`.
    package static func start(
        _ router: Router<BasicRequestContext>,
        port: Int = 0,
        label: String
    ) async throws -> LoopbackServer {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: label)
        logger.logLevel = .error
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? port) },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        // Finished when the server stops, so a server that never comes up (it could not bind) fails the start
        // instead of leaving it waiting for a port forever.
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        guard let bound = await ports.first(where: { _ in true }) else {
            throw TestReceiverError(detail: "\(label) stopped before it was listening on port \(port)")
        }
        return LoopbackServer(port: bound, group: group, task: task)
    }

    /// Stops serving and waits until it has.
    package func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
