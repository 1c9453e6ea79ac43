/// A delivery with its payload and every attempt.
public struct DeliveryDetail: Sendable, Equatable {
    public var summary: DeliverySummary
    public var data: [UInt8]
    public var attempts: [DeliveryAttempt]

    public init(summary: DeliverySummary, data: [UInt8], attempts: [DeliveryAttempt]) {
        self.summary = summary
        self.data = data
        self.attempts = attempts
    }
}
