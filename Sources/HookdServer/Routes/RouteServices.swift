import HookdCore

/// What the API's routes answer with: the envelope, the clock, the node's configuration and the rate limiter.
///
/// One value built by the wiring and handed to every set of routes, so that each one does not carry (and the wiring
/// does not pass) the same four fields; ``APIRoutes`` reads them back under their own names.
struct RouteServices: Sendable {
    let envelope: Envelope
    let clock: any WallClock
    let configuration: HookdServerConfiguration
    let limiter: RateLimiter
}

/// A set of routes that answers with ``RouteServices``: `envelope`, `clock`, `configuration` and `limiter` are its.
protocol APIRoutes {
    var services: RouteServices { get }
}

extension APIRoutes {
    var envelope: Envelope { services.envelope }
    var clock: any WallClock { services.clock }
    var configuration: HookdServerConfiguration { services.configuration }
    var limiter: RateLimiter { services.limiter }
}
