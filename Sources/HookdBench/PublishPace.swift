/// A steady publishing rate and how long it lasts: the load a lag phase publishes at (``PublishLag``).
public struct PublishPace: Sendable {
    /// Events published per second.
    public var perSecond: Double
    /// How long the phase publishes, in seconds.
    public var seconds: Double

    /// `rate` events a second for `seconds` seconds: `.perSecond(200, for: 10)`.
    public static func perSecond(_ rate: Double, for seconds: Double) -> PublishPace {
        PublishPace(perSecond: rate, seconds: seconds)
    }
}
