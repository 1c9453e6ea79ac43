/// One attempt of a delivery, as logged.
public struct DeliveryAttempt: Sendable, Equatable {
    /// 1 for the first attempt.
    public var number: Int
    /// When the request started.
    public var startedAt: UnixMillis
    /// How long it took; the log shows and the store keeps its whole milliseconds.
    public var latency: Duration
    /// The answer's status code; `nil` when no answer came.
    public var httpStatus: Int?
    /// What went wrong when no acceptable answer came (timeout, refused, forbidden address…).
    public var error: String?
    /// The first 2 KiB of the answer's body.
    public var responseBody: [UInt8]
    /// The headers the request was sent with, in order, for an attempt that did not succeed; empty for one that
    /// succeeded and for one refused before it was made.
    public var requestHeaders: [SentHeader]

    public init(
        number: Int,
        startedAt: UnixMillis,
        latency: Duration,
        httpStatus: Int?,
        error: String?,
        responseBody: [UInt8],
        requestHeaders: [SentHeader] = []
    ) {
        self.number = number
        self.startedAt = startedAt
        self.latency = latency
        self.httpStatus = httpStatus
        self.error = error
        self.responseBody = responseBody
        self.requestHeaders = requestHeaders
    }
}
