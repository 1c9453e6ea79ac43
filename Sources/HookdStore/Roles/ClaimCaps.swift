/// How many deliveries one app, and one endpoint, may have leased at once, across every process sharing the store
/// (SPEC §13).
///
/// A lease covers a delivery from its claim until its attempt is recorded (waiting for a request slot, the request,
/// and the write of its record), so the caps bound the request slots an app or an endpoint can hold: an app with
/// many endpoints is still one tenant, and holds at most ``perApp`` however many it has. For example, with
/// `perApp: 32, perEndpoint: 32`, an app with one URL may have 32 attempts under way; an app with 24 stalling
/// endpoints also 32 in all, spread over its endpoints in turn.
public struct ClaimCaps: Sendable, Equatable {
    /// Leases one app may hold, all its endpoints together.
    public var perApp: Int
    /// Leases one endpoint may hold (the app's v3 URL is one endpoint, each v3.20 endpoint another).
    public var perEndpoint: Int

    public init(perApp: Int, perEndpoint: Int) {
        precondition(perApp > 0 && perEndpoint > 0, "a cap lets at least one delivery through")
        self.perApp = perApp
        self.perEndpoint = perEndpoint
    }
}
