import Logging
import ServiceLifecycle

/// Runs `application` until SIGTERM or SIGINT, then stops it within the configured shutdown timeout.
///
/// On the signal the server stops accepting requests and the dispatcher stops claiming; attempts in flight run to
/// their own deadline (the delivery timeout) and are recorded. Whatever is still running when
/// ``HookdServerConfiguration/shutdownTimeout`` has passed is cancelled: an attempt cut short that way is recorded
/// as interrupted and made again later without counting against the receiver.
///
/// - Parameters:
///   - application: The application ``buildApplication(configuration:services:onServerRunning:)`` built.
///   - configuration: The configuration it was built with.
///   - logger: Receives the service group's lifecycle messages.
public func runUntilStopped(
    _ application: some Service,
    configuration: HookdServerConfiguration,
    logger: Logger
) async throws {
    var group = ServiceGroupConfiguration(
        services: [.init(service: application)],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger
    )
    group.maximumGracefulShutdownDuration =
        configuration.shutdownTimeout ?? configuration.delivery.timeout + .seconds(10)
    // After the cancellation, what has not ended within this is left behind and the process exits.
    group.maximumCancellationDuration = .seconds(5)
    try await ServiceGroup(configuration: group).run()
}
