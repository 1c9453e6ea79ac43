import FoundationEssentials
public import HookdCore
public import HookdStore
import HookdVerify
public import Logging

/// Makes one attempt of a claimed delivery and records it: read the endpoint as it is now, check the URL, sign, send,
/// decide, write.
///
/// Shared by the dispatcher and by `POST /webhooks/test`, so a test delivery travels exactly the path of a real one.
///
/// What is sent is what is in force when it is sent (SPEC §13): a delivery may have been claimed a while before its
/// slot came free, so its endpoint is read again just before the request unless a read of it at most
/// ``DeliveryConfiguration/endpointReadMaximumAge`` old is at hand (``SendingStateReader``). A deleted endpoint's delivery is not sent (it was cancelled); a disabled endpoint's, or a
/// suspended app's, is not sent and is given back, pending, for when they are enabled again; a changed URL is
/// checked again and used, and a changed secret signs.
public struct DeliveryAttempter: Sendable {
    let store: any DeliveryQueue
    let signers: SignerCache
    let urlPolicy: WebhookURLPolicy
    let transport: any WebhookTransport
    let retryPolicy: any RetryPolicy
    let endpointRetryPolicy: any RetryPolicy
    let clock: any WallClock
    let configuration: DeliveryConfiguration
    let logger: Logger
    /// Attempts finishing together are recorded in one transaction (group commit).
    let recorder: BatchingWriter<AttemptCompletion, Bool>
    /// Endpoints read just before sending (at most ``DeliveryConfiguration/endpointReadMaximumAge`` before).
    let sendingStates: SendingStateReader
    /// A span per attempt when telemetry is on (`--otel-endpoint`); `nil`: no tracing work at all.
    let spans: AttemptSpans?

    public init(
        store: any DeliveryQueue,
        signers: SignerCache,
        urlPolicy: WebhookURLPolicy,
        transport: any WebhookTransport,
        retryPolicy: any RetryPolicy,
        endpointRetryPolicy: (any RetryPolicy)? = nil,
        clock: any WallClock,
        configuration: DeliveryConfiguration,
        logger: Logger,
        spans: AttemptSpans? = nil
    ) {
        self.store = store
        self.spans = spans
        self.signers = signers
        self.urlPolicy = urlPolicy
        self.transport = transport
        self.retryPolicy = retryPolicy
        self.endpointRetryPolicy = endpointRetryPolicy ?? retryPolicy
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
        self.recorder = BatchingWriter(maximumBatch: 256) { completions in
            try await store.completeAttempts(completions)
        }
        self.sendingStates = SendingStateReader(maximumAge: configuration.endpointReadMaximumAge) { endpointIDs in
            try await store.sendingStates(endpointIDs: endpointIDs)
        }
    }

    /// The writers whose tasks record attempts and read endpoints, for shutdown to wait for (``BatchingWriters``).
    public var writers: [any DrainableWriter] { [recorder] + sendingStates.writers }

    /// What one attempt did.
    public struct Report: Sendable {
        public let outcome: AttemptOutcome
        /// How long the request took, in whole milliseconds (what the store keeps).
        public let latency: Duration
        /// The delivery's status after the attempt.
        public let status: DeliveryStatus
        /// Whether the attempt was written (the lease still held).
        public let recorded: Bool

        init(outcome: AttemptOutcome, latency: Duration, status: DeliveryStatus, recorded: Bool) {
            self.outcome = outcome
            self.latency = latency
            self.status = status
            self.recorded = recorded
        }

        /// No attempt was made, for `reason`; the delivery stays `status`.
        fileprivate init(notSent reason: String, status: DeliveryStatus) {
            self.init(
                outcome: .failed(.other("not sent: \(reason)")),
                latency: .zero,
                status: status,
                recorded: false
            )
        }
    }

    /// Attempts `claim` once and records the attempt and the delivery's next state in one write.
    ///
    /// - Parameters:
    ///   - claimedAt: When the claim that read `claim`'s endpoint began; `nil` when not known (it is read again).
    ///   - whenSent: Called once the request is over (answered, failed or never sent) and before the attempt is
    ///     recorded, so a caller can start the next request while this one's record is written.
    public func attempt(
        _ claim: ClaimedDelivery,
        claimedAt: ContinuousClock.Instant? = nil,
        whenSent: @Sendable () -> Void = {}
    ) async -> Report {
        var claim = claim
        let unsent: Report
        switch await stateInForce(of: claim, claimedAt: claimedAt) {
        case .sendable(let target):
            claim.target = target
            return await attemptInForce(claim, whenSent: whenSent)
        case .held:
            // Given back, pending: claimed again once the endpoint is enabled or the app activated.
            try? await store.releaseUnsent([claim])
            unsent = Report(notSent: "its endpoint is disabled or its app suspended", status: .pending)
        case .gone:
            unsent = Report(notSent: "its endpoint was deleted", status: .cancelled)
        case nil:
            // Unread, nothing is sent: the lease runs out and the delivery is claimed again.
            unsent = Report(notSent: "its endpoint could not be read", status: .pending)
        }
        whenSent()
        logger.debug(
            "delivery not sent",
            metadata: [
                "hookd.delivery.id": .string(claim.id.rawValue), "hookd.app.id": .string(claim.appID.rawValue),
                "hookd.reason": .string("\(unsent.outcome)"),
            ]
        )
        return unsent
    }

    /// Attempts `claim`, whose target is the one in force, once and records it.
    private func attemptInForce(_ claim: ClaimedDelivery, whenSent: @Sendable () -> Void) async -> Report {
        var machine = DeliveryStateMachine(
            attempts: claim.attempts,
            attemptsAllowed: claim.attemptsAllowed,
            policy: claim.format == .v3 ? retryPolicy : endpointRetryPolicy
        )
        guard case .send(let number) = machine.claimed() else {
            whenSent()
            return Report(
                outcome: .failed(.other("not attemptable")),
                latency: .zero,
                status: .failed,
                recorded: false
            )
        }
        guard let spans else {
            return await sendAndRecord(claim, number: number, machine: machine, whenSent: whenSent)
        }
        return await spans.traced(claim, number: number) {
            await sendAndRecord(claim, number: number, machine: machine, whenSent: whenSent)
        }
    }

    /// Sends attempt `number` of `claim` and records it, as `machine` (which gave that number) decides.
    private func sendAndRecord(
        _ claim: ClaimedDelivery,
        number: Int,
        machine: DeliveryStateMachine,
        whenSent: @Sendable () -> Void
    ) async -> Report {
        var machine = machine
        // Metadata goes with each message rather than into a copy of the logger: most attempts log nothing at the
        // usual levels, and setting logger metadata costs on every one.
        let about: Logger.Metadata = [
            "hookd.delivery.id": .string(claim.id.rawValue), "hookd.app.id": .string(claim.appID.rawValue),
            "hookd.attempt": .stringConvertible(number),
        ]

        let startedAt = clock.unixMillis
        let (result, request) = await send(claim, about: about)
        whenSent()
        let finishedAt = max(clock.unixMillis, startedAt)
        guard case .record(let status, let nextAttemptAt) = machine.finished(result.outcome, now: finishedAt) else {
            return Report(outcome: result.outcome, latency: .zero, status: .failed, recorded: false)
        }
        let latency = Duration.milliseconds(result.latency.wholeMilliseconds)
        let completion = AttemptCompletion(
            deliveryID: claim.id,
            leaseID: claim.leaseID,
            attempt: DeliveryAttempt(
                number: number,
                startedAt: startedAt,
                latency: latency,
                httpStatus: result.outcome.httpStatus,
                error: result.outcome.httpStatus == nil ? Self.describe(result.outcome) : nil,
                responseBody: result.responseBody,
                // Kept for what one debugs, the attempts that did not succeed: keeping them for every attempt cost a
                // quarter of SQLite's delivery rate (docs/PERFORMANCE.md).
                requestHeaders: result.outcome.isSuccess ? [] : request?.headers ?? []
            ),
            status: status,
            nextAttemptAt: nextAttemptAt,
            secretVersion: claim.secretVersion,
            allowsAnotherAttempt: result.outcome == .failed(.interrupted),
            endpointFailingLimit: startedAt - configuration.endpointDisableAfter,
            endpointWarningLimit: startedAt - configuration.endpointWarnAfter,
            endpointDisableAfter: configuration.endpointDisableAfter,
            noticeAttemptsAllowed: configuration.attemptsAllowed.endpoint
        )
        var recorded = false
        for retry in 0..<5 {
            do {
                recorded = try await recorder.submit(completion)
                break
            } catch {
                logger.warning(
                    "recording an attempt failed; retrying",
                    metadata: about.merging(["hookd.retry": .stringConvertible(retry)]) { $1 }
                )
                try? await Task.sleep(for: .milliseconds(200 << retry))
            }
        }
        if result.outcome.isSuccess {
            logger.debug(
                "delivered",
                metadata: about.merging(["hookd.latency.ms": .stringConvertible(latency.wholeMilliseconds)]) { $1 }
            )
        } else {
            logger.warning(
                "attempt failed",
                metadata: about.merging([
                    "hookd.outcome": .string(Self.describe(result.outcome)), "hookd.status": .string(status.rawValue),
                ]) { $1 }
            )
        }
        return Report(outcome: result.outcome, latency: latency, status: status, recorded: recorded)
    }

    /// What `claim`'s endpoint allows now (``SendingStateReader``); `nil` when the store could not be read (after a
    /// few tries).
    private func stateInForce(
        of claim: ClaimedDelivery,
        claimedAt: ContinuousClock.Instant?
    ) async
        -> EndpointSendingState?
    {
        for retry in 0..<3 {
            do {
                return try await sendingStates.state(of: claim, claimedAt: claimedAt)
            } catch {
                logger.warning(
                    "reading an endpoint before sending failed; retrying",
                    metadata: [
                        "hookd.delivery.id": .string(claim.id.rawValue), "hookd.retry": .stringConvertible(retry),
                    ]
                )
                try? await Task.sleep(for: .milliseconds(100 << retry))
            }
        }
        return nil
    }

    /// A request as it was sent, whose headers are written out only for the log of an attempt that failed.
    private struct SentRequest {
        let webhook: OutgoingWebhook
        let host: String

        /// The headers as the transport writes them (Host first, Content-Length last), as the log keeps them:
        /// credentials redacted and signatures without their MACs (``HeaderRedaction``), so that neither lands in
        /// the database.
        var headers: [SentHeader] {
            [SentHeader(name: "Host", value: host)]
                + webhook.headers.map { HeaderRedaction.redacted(SentHeader(name: $0.name, value: $0.value)) }
                + [SentHeader(name: "Content-Length", value: String(webhook.body.count))]
        }
    }

    /// Sends one attempt of `claim`; returns what came of it and the request sent (none when it was refused before
    /// it was made).
    private func send(
        _ claim: ClaimedDelivery,
        about: Logger.Metadata
    ) async -> (result: TransportResult, request: SentRequest?) {
        // One deadline for the attempt: resolving the host takes its share of it (at most the resolution timeout),
        // and the request has what is left.
        let start = ContinuousClock.now
        let target: WebhookURLPolicy.CheckedURL
        let policy = urlPolicy.applying(to: claim.environment)
        do {
            target = try await policy.check(
                claim.url,
                resolvingWithin: min(configuration.resolutionTimeout, configuration.timeout)
            )
        } catch {
            let failure: AttemptFailure =
                Task.isCancelled
                ? .interrupted  // hookd is shutting down: the lookup was cut short, not failed
                : error.kind == .unresolved ? .unresolved(error.message) : .forbiddenTarget(error.message)
            return (
                TransportResult(outcome: .failed(failure), latency: ContinuousClock.now - start, responseBody: []),
                nil
            )
        }
        let signing: DeliverySigning
        let headers: EndpointHeaders
        do {
            signing = try self.signers.signing(for: claim, now: clock.unixMillis)
            headers = try self.signers.headers(for: claim)
        } catch {
            logger.error(
                "the webhook secret or headers could not be opened; is this the master key the database was sealed with?",
                metadata: about
            )
            return (TransportResult(outcome: .failed(.secretUnavailable), latency: .zero, responseBody: []), nil)
        }
        let webhook = OutgoingWebhook(
            event: claim.event,
            eventID: claim.eventID,
            data: claim.data,
            timestamp: clock.unixSeconds,
            signing: signing,
            schemes: configuration.signatureSchemes,
            userAgent: configuration.userAgent,
            endpoint: OutgoingWebhook.EndpointShape(
                format: claim.format,
                businessID: claim.businessID,
                environment: claim.environment,
                headers: headers
            )
        )
        let left = configuration.timeout - (ContinuousClock.now - start)
        guard left > .zero else {
            return (
                TransportResult(
                    outcome: .failed(.timeout(configuration.timeout, received: "the host resolved, nothing sent")),
                    latency: ContinuousClock.now - start,
                    responseBody: []
                ),
                nil
            )
        }
        var result = await transport.send(webhook, to: target, timeout: left)
        if case .failed(.timeout(_, let received)) = result.outcome {
            // The log names the attempt's deadline, of which the request had what resolution left.
            result = TransportResult(
                outcome: .failed(.timeout(configuration.timeout, received: received)),
                latency: result.latency,
                responseBody: result.responseBody
            )
        }
        return (result, SentRequest(webhook: webhook, host: target.hostHeader))
    }

    /// The outcome as the delivery log writes it.
    static func describe(_ outcome: AttemptOutcome) -> String {
        switch outcome {
        case .answered(let status, _): "HTTP \(status)"
        case .failed(let failure): failure.description
        }
    }
}
