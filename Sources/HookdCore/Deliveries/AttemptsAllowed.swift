/// How many attempts a new delivery gets (the first and its retries), by the kind of endpoint it goes to: the v3 URL
/// retries on SPEC §5's schedule, the v3.20 endpoints on §11.1's.
///
/// An integer literal allows as many to both (`attemptsAllowed: 3`).
public struct AttemptsAllowed: Sendable, Equatable, ExpressibleByIntegerLiteral {
    /// Attempts for a delivery to the app's v3 URL.
    public var v3URL: Int
    /// Attempts for a delivery to a v3.20 endpoint.
    public var endpoint: Int

    public init(v3URL: Int, endpoint: Int) {
        self.v3URL = v3URL
        self.endpoint = endpoint
    }

    public init(integerLiteral value: Int) {
        self.init(v3URL: value, endpoint: value)
    }
}
