import Foundation
import HookdCore
import HookdServerTestSupport
import HookdStore
import HookdTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import HookdServer

/// `--health-timeout`: `GET /health` answers 503 once the database has not answered for that long, rather than hang
/// as long as the database does.
@Suite struct HealthTimeoutTests {
    /// A database that takes every ping but answers none (a connection attempt that hangs, an answer that was lost).
    private struct SilentDatabase: HealthProbe {
        func ping() async throws { try await Task.sleep(for: .seconds(3600)) }
        func probeWrite(now: UnixMillis) async throws {}
    }

    @Test func aDatabaseSilentPastTheLimitIsA503WithinIt() async throws {
        let clock = TestClock()
        let logs = CapturedLogs()
        let storeWrites = StoreWriteMonitor(store: SilentDatabase(), clock: clock, logger: logs.logger())
        let envelope = Envelope(clock: clock)
        let router = Router(context: HookdRequestContext.self)
        router.add(
            middleware: EnvelopeMiddleware(
                envelope: envelope,
                failures: FailureAnswers(maximumBodySize: 1024, storeWrites: storeWrites)
            )
        )
        OperationsRoutes(
            store: SilentDatabase(),
            envelope: envelope,
            metrics: RequestMetrics(),
            storeWrites: storeWrites,
            openAPIDocument: ByteBuffer(),
            metricsToken: nil,
            healthTimeout: .milliseconds(200)
        ).addRoutes(to: router)

        try await Application(router: router, logger: logs.logger()).test(.router) { client in
            let started = ContinuousClock.now
            let response = try await client.json("/health", method: .get)
            let waited = ContinuousClock.now - started
            #expect(response.status == .serviceUnavailable)
            #expect(response.errorCode == "SERVICE_UNAVAILABLE")
            #expect(response.error["detail"] as? String == "The database does not answer; retry shortly")
            #expect(waited >= .milliseconds(200), "it waited the limit: \(waited)")
            // Not a timed assertion of speed: an hour is the silent database's own answer, which the limit cuts.
            #expect(waited < .seconds(600), "it did not wait for the database: \(waited)")
        }
        #expect(logs.text.contains("health check: the database does not answer"))
    }
}
