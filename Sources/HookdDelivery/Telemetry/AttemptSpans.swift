public import HookdCore
public import Tracing

/// The span of each delivery attempt (`hookd.attempt`), a child of the span that published its event.
///
/// The publish span's context travels with the event as its ``TraceParent`` (stored with it, read back with the
/// claim), so an attempt made later, or by another node, joins the publish's trace. A delivery without one (an
/// event published while telemetry was off) starts a trace of its own.
///
/// The span says which app, endpoint, event and attempt it was, the answer's status, the latency and, when the
/// attempt failed, what kind of failure it was (``AttemptOutcome/errorKind``). It never holds the URL, a secret, a
/// signature, a header or the payload.
public struct AttemptSpans: Sendable {
    /// The span's name.
    public static let operationName = "hookd.attempt"

    let tracer: any Tracer

    /// Spans made by `tracer`.
    public init(tracer: any Tracer) {
        self.tracer = tracer
    }

    /// Runs `attempt` (attempt `number` of `claim`) inside its span, task-locally current so log lines carry its
    /// trace id, and ends the span with what the attempt reported.
    func traced(
        _ claim: ClaimedDelivery,
        number: Int,
        _ attempt: () async -> DeliveryAttempter.Report
    ) async -> DeliveryAttempter.Report {
        var parent = InstrumentationContext.topLevel
        if let traceParent = claim.traceParent {
            tracer.extract(
                [TraceParent.headerName: traceParent.rawValue],
                into: &parent,
                using: TraceHeaderExtractor()
            )
        }
        let span = tracer.startSpan(Self.operationName, context: parent, ofKind: .client)
        span.updateAttributes { attributes in
            attributes["hookd.app.id"] = claim.appID.rawValue
            attributes["hookd.endpoint.id"] = claim.endpointID.rawValue
            attributes["hookd.delivery.id"] = claim.id.rawValue
            attributes["hookd.event.id"] = claim.eventID.rawValue
            attributes["hookd.event.name"] = claim.event
            attributes["hookd.attempt.number"] = number
        }
        let report = await InstrumentationContext.$current.withValue(span.context) { await attempt() }
        span.updateAttributes { attributes in
            attributes["hookd.attempt.latency_ms"] = Int(report.latency.wholeMilliseconds)
            if let status = report.outcome.httpStatus {
                attributes["http.response.status_code"] = status
            }
            if let kind = report.outcome.errorKind {
                attributes["error.type"] = kind
            }
        }
        if !report.outcome.isSuccess {
            span.setStatus(SpanStatus(code: .error))
        }
        span.end()
        return report
    }
}

/// Reads trace headers from a dictionary of them, for `Tracer.extract`.
public struct TraceHeaderExtractor: Extractor {
    public init() {}

    public func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key]
    }
}

/// Writes trace headers into a dictionary, for `Tracer.inject`.
public struct TraceHeaderInjector: Injector {
    public init() {}

    public func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}

extension AttemptOutcome {
    /// What kind of failure the attempt was, as the attempt span's `error.type` says it; `nil` for a success.
    ///
    /// An answer that is not a success is its status code (`"503"`), as OpenTelemetry's HTTP conventions write it;
    /// an attempt without an answer is the attempter's class of failure (`"timeout"`, `"connection"`, …), never its
    /// message, which may name a host.
    public var errorKind: String? {
        switch self {
        case .answered(let status, _): isSuccess ? nil : String(status)
        case .failed(let failure):
            switch failure {
            case .timeout: "timeout"
            case .connection: "connection"
            case .protocolViolation: "protocol_violation"
            case .forbiddenTarget: "forbidden_target"
            case .unresolved: "unresolved"
            case .secretUnavailable: "secret_unavailable"
            case .interrupted: "interrupted"
            case .other: "other"
            }
        }
    }
}
