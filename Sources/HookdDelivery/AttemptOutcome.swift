/// What one attempt came to.
public enum AttemptOutcome: Sendable, Equatable {
    /// The receiver answered with this status (and, on 429 or 503, perhaps a `Retry-After`).
    case answered(status: Int, retryAfter: Duration?)
    /// No answer: the reason, written for the delivery log.
    case failed(AttemptFailure)

    /// Whether the attempt delivered the event: any 2xx.
    public var isSuccess: Bool {
        if case .answered(let status, _) = self { return (200..<300).contains(status) }
        return false
    }

    /// The answer's status code, if there was an answer.
    public var httpStatus: Int? {
        if case .answered(let status, _) = self { return status }
        return nil
    }
}

/// Why an attempt got no answer. The descriptions go to the delivery log and the test route's error detail.
public enum AttemptFailure: Sendable, Equatable, CustomStringConvertible {
    /// No answer within the delivery timeout.
    case timeout(Duration)
    /// The connection could not be made or broke.
    case connection(String)
    /// The URL's host is, or resolved to, an address hookd must not send to.
    case forbiddenTarget(String)
    /// The secret could not be opened (wrong master key): nothing was sent.
    case secretUnavailable
    /// Anything else the HTTP client reported.
    case other(String)

    public var description: String {
        switch self {
        case .timeout(let limit): "no answer within \(limit.components.seconds) s"
        case .connection(let reason): "connection failed: \(reason)"
        case .forbiddenTarget(let reason): "target refused before connecting: \(reason)"
        case .secretUnavailable: "the webhook secret could not be opened"
        case .other(let reason): reason
        }
    }
}
