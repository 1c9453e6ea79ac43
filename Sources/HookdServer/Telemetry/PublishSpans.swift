import HTTPTypes
import HookdCore
import HookdDelivery
import Tracing

/// The span of each publish (`hookd.publish`), the root of its event's trace, or a child of the caller's span when
/// the publish request carries a W3C `traceparent` (and `tracestate`).
///
/// The publish span's own context is what the event keeps (``TraceParent``), so that every attempt of every
/// delivery of the event is its child (``AttemptSpans``). Its attributes name the app and the event, never the
/// payload or the operator key.
struct PublishSpans: Sendable {
    /// The span's name.
    static let operationName = "hookd.publish"

    let tracer: any Tracer

    /// Runs `publish` inside the span of a publish request with `headers`, handing it the span's ``TraceParent``;
    /// the span ends when `publish` returns or throws (an error marks it failed, and says only its type: a refusal's
    /// message may quote the payload).
    func traced(
        headers: HTTPFields,
        appID: AppID,
        event: String,
        _ publish: (TraceParent?) async throws -> EventPublisher.Receipt
    ) async throws -> EventPublisher.Receipt {
        var carrier: [String: String] = [:]
        for name in [TraceParent.headerName, "tracestate"] {
            if let name = HTTPField.Name(name), let value = headers[name] { carrier[name.canonicalName] = value }
        }
        var parent = InstrumentationContext.topLevel
        tracer.extract(carrier, into: &parent, using: TraceHeaderExtractor())
        let span = tracer.startSpan(Self.operationName, context: parent, ofKind: .server)
        span.updateAttributes { attributes in
            attributes["hookd.app.id"] = appID.rawValue
            attributes["hookd.event.name"] = event
        }
        defer { span.end() }
        var written: [String: String] = [:]
        tracer.inject(span.context, into: &written, using: TraceHeaderInjector())
        let traceParent = written[TraceParent.headerName].map(TraceParent.init)
        do {
            let receipt = try await InstrumentationContext.$current.withValue(span.context) {
                try await publish(traceParent)
            }
            span.attributes["hookd.event.id"] = receipt.eventID.rawValue
            span.attributes["hookd.event.created"] = receipt.created
            return receipt
        } catch {
            span.attributes["error.type"] = String(describing: type(of: error))
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
    }
}
