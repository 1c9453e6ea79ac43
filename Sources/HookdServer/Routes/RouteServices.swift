import HookdCore
import HookdDelivery

/// What the API's routes answer with: the envelope, the clock, the node's configuration, the rate limiter, and the
/// signal that wakes the node's dispatcher.
///
/// One value built by the wiring and handed to every set of routes, so that each one does not carry (and the wiring
/// does not pass) the same fields; ``APIRoutes`` reads them back under their own names.
struct RouteServices: Sendable {
    let envelope: Envelope
    let clock: any WallClock
    let configuration: HookdServerConfiguration
    let limiter: RateLimiter
    /// Woken when a route makes deliveries due (a URL set, an endpoint enabled, a retry or a recovery), so they
    /// leave at once rather than at the dispatcher's next poll.
    let signal: DispatchSignal
}

/// A set of routes that answers with ``RouteServices``: `envelope`, `clock`, `configuration`, `limiter` and `signal`
/// are its.
protocol APIRoutes {
    var services: RouteServices { get }
}

extension APIRoutes {
    var envelope: Envelope { services.envelope }
    var clock: any WallClock { services.clock }
    var configuration: HookdServerConfiguration { services.configuration }
    var limiter: RateLimiter { services.limiter }
    var signal: DispatchSignal { services.signal }
}
