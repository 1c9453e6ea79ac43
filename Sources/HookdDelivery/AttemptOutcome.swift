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

/// Why an attempt got no acceptable answer. The descriptions go to the delivery log and the test route's detail.
public enum AttemptFailure: Sendable, Equatable, CustomStringConvertible {
    /// The delivery timeout ran out; `received` says how far the attempt had got ("request sent, nothing received").
    case timeout(Duration, received: String)
    /// The connection could not be made, or broke before the answer was complete.
    case connection(String)
    /// The receiver answered with something that is not an acceptable HTTP/1.1 answer (garbage, oversized headers).
    case protocolViolation(String)
    /// The URL's host is, or resolved to, an address hookd must not send to.
    case forbiddenTarget(String)
    /// The URL's host could not be resolved: no such name, or no answer within the resolution timeout.
    case unresolved(String)
    /// The secret could not be opened (wrong master key): nothing was sent.
    case secretUnavailable
    /// hookd stopped the attempt itself (it was shutting down); the receiver is not to blame.
    case interrupted
    /// Anything else the transport reported.
    case other(String)

    public var description: String {
        switch self {
        case .timeout(let limit, let received):
            "no answer within \(Self.seconds(limit)) s: \(received)"
        case .connection(let reason): "connection failed: \(reason)"
        case .protocolViolation(let reason): "not an HTTP answer: \(reason)"
        case .forbiddenTarget(let reason): "target refused before connecting: \(reason)"
        case .unresolved(let reason): "name resolution failed: \(reason)"
        case .secretUnavailable: "the webhook secret could not be opened"
        case .interrupted: "interrupted: hookd was shutting down; the attempt will be made again"
        case .other(let reason): reason
        }
    }

    /// Whole seconds, or seconds with a fraction when the limit has one ("0.5").
    private static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        guard attoseconds != 0 else { return String(seconds) }
        return "\(Double(seconds) + Double(attoseconds) / 1e18)"
    }
}
