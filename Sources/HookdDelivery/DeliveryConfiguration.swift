public import HookdCore
public import HookdStore
public import HookdVerify

/// How deliveries are sent and retried. Every field has the documented default.
public struct DeliveryConfiguration: Sendable {
    /// Delays before the retries to an app's v3 URL, in order: 60 s, 300 s, 1800 s (4 attempts in all; SPEC §5.2).
    public var retrySchedule: [Duration] = [.seconds(60), .seconds(300), .seconds(1800)]
    /// Delays before the retries to a v3.20 endpoint, in order: 300 s, 1800 s, 7200 s, 21600 s (5 attempts in all,
    /// the first at once; SPEC §11.1, after Fyatu's v3.20 pages).
    public var endpointRetrySchedule: [Duration] = [.seconds(300), .seconds(1800), .seconds(7200), .seconds(21_600)]
    /// Each retry delay is moved by up to this fraction either way (0.2 is ±20 %).
    public var retryJitter: Double = 0.2
    /// A receiver's `Retry-After` on 429 or 503 replaces the scheduled delay, kept within these bounds.
    public var retryAfterBounds: ClosedRange<Duration> = .seconds(1) ... .seconds(3600)
    /// How long one attempt may take, all of it: resolving, connecting, TLS, sending, and reading the answer.
    public var timeout: Duration = .seconds(10)
    /// How long resolving the URL's host may take, within ``timeout`` (SPEC §13): 5 s. A lookup that has not
    /// answered by then fails the attempt, which is retried like any other.
    public var resolutionTimeout: Duration = .seconds(5)
    /// The longest a name's answer is kept by hookd's resolver, whatever its TTL: 30 s. Negative answers and failures
    /// are kept too (a failure for the resolution timeout), so a silent name server costs one wait per name and
    /// period, not one per delivery. Zero keeps nothing.
    public var resolutionCacheTTL: Duration = .seconds(30)
    /// Attempts in flight at most, across all apps.
    public var maximumInFlight: Int = 64
    /// Request slots one app may hold at once, all its endpoints together: what one tenant's backlog or slow
    /// receivers can hold of a node's ``maximumInFlight`` (SPEC §13). Half of them by default, so a newly busy app
    /// finds slots free beside one that is not. Across the processes sharing the store, its claimed deliveries are
    /// counted in the database and held to this and one claim batch more (``claimCaps``).
    public var maximumInFlightPerApp: Int = 32
    /// Request slots one endpoint may hold at once: what one slow receiver can hold of its app's share. The per-app
    /// cap by default, so an app with one URL may use all of its share. Its claimed deliveries are held to this and
    /// one claim batch more across processes.
    public var maximumInFlightPerEndpoint: Int = 32
    /// Deliveries claimed per query at most.
    public var claimBatchSize: Int = 64
    /// How long a claim holds a delivery beyond twice ``timeout`` (a delivery claimed ahead may wait one timeout for
    /// a slot, then make its attempt); a dispatcher that dies mid-attempt releases it when this runs out.
    public var leaseDuration: Duration = .seconds(60)
    /// How old a read of an endpoint may be when an attempt to it starts (SPEC §13: what is sent is what is in force):
    /// 100 ms. A delivery sent within this of its claim uses what the claim read; one that waited longer for a slot is
    /// read again, one query for the attempts starting together, and reads are shared by the attempts to one endpoint
    /// for this long. Zero reads the endpoint before every attempt.
    public var endpointReadMaximumAge: Duration = .milliseconds(100)
    /// How often a dispatcher notes itself alive among those sharing the queue (PostgreSQL): 5 s. Each holds its share
    /// of the caps among the dispatchers heard from within six times this: a node that joins lowers the others'
    /// shares within this long, one that stops raises them at once (or, if it died, after six times this).
    public var presenceInterval: Duration = .seconds(5)
    /// How often an idle dispatcher looks for due work when nothing wakes it.
    public var idlePollInterval: Duration = .seconds(1)
    /// The signature schemes deliveries carry; all three by default.
    public var signatureSchemes: Set<SignatureScheme> = Set(SignatureScheme.allCases)
    /// How attempts travel: answer limits, kept-alive connections, TLS.
    public var transport = HTTPWebhookTransport.Configuration()
    /// Whether the dispatcher drops every lease when it starts: only for a store it owns alone (SQLite).
    public var releaseLeasesOnStart: Bool = false
    /// `User-Agent` of every delivery.
    public var userAgent: String = "hookd"
    /// A v3.20 endpoint whose every attempt has failed for this long is disabled (`FAILING`, SPEC §11).
    public var endpointDisableAfter: Duration = .seconds(5 * 86_400)
    /// A v3.20 endpoint whose every attempt has failed for this long is warned about, once per run of failures
    /// (`webhook.endpoint.failing`, SPEC §14); shorter than ``endpointDisableAfter``.
    public var endpointWarnAfter: Duration = .seconds(24 * 3_600)

    public init() {}

    /// What one app and one endpoint may have claimed, across every process sharing the store: their slots and one
    /// full claim batch more, so that while an app's requests are open its next batch is claimed (ahead, waiting for
    /// its slots) and its finished attempts are recorded, rather than its slots standing empty during each claim and
    /// record. The slots themselves are held to the caps by each node's dispatcher.
    public var claimCaps: ClaimCaps {
        let batch = min(claimBatchSize, maximumInFlight)
        return ClaimCaps(perApp: maximumInFlightPerApp + batch, perEndpoint: maximumInFlightPerEndpoint + batch)
    }

    /// Attempts a new delivery is allowed: the first one and one per scheduled retry of its kind of endpoint.
    public var attemptsAllowed: AttemptsAllowed {
        AttemptsAllowed(v3URL: retrySchedule.count + 1, endpoint: endpointRetrySchedule.count + 1)
    }
}
