import Foundation
import HookdCore
import HookdServerTestSupport
import Hummingbird
import NIOCore
import Synchronization

/// A small OpenTelemetry collector on 127.0.0.1 for the telemetry tests: it takes OTLP/HTTP exports in JSON
/// (`POST /v1/traces`, `POST /v1/metrics`), keeps the spans it decoded and counts the metric exports.
final class OTLPCollector: Sendable {
    /// One span as exported, with its ids in lowercase hex whatever the JSON wrote them in.
    struct Span: Sendable {
        let name: String
        let traceID: String
        let spanID: String
        let parentSpanID: String
        /// Each attribute's value as text (`"3"` for an integer).
        let attributes: [String: String]
        /// The exported JSON of the span, to look for what must never be in it.
        let raw: String
    }

    private struct State {
        var spans: [Span] = []
        var metricExports = 0
    }

    private let state = Mutex(State())

    var spans: [Span] { state.withLock { $0.spans } }
    var metricExports: Int { state.withLock { $0.metricExports } }

    /// Waits until `isDone` holds of the spans received, or `seconds` pass; returns the spans then.
    func spans(within seconds: Double = 30, until isDone: ([Span]) -> Bool) async throws -> [Span] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, !isDone(spans) {
            try await Task.sleep(for: .milliseconds(20))
        }
        return spans
    }

    /// Runs `body` with the collector's base URL (`http://127.0.0.1:PORT`) while it serves, then stops it.
    func withRunning<Value>(_ body: (String) async throws -> Value) async throws -> Value {
        let server = try await LoopbackServer.start(router(), label: "otlp-collector")
        return try await runThenCleanUp {
            try await body("http://127.0.0.1:\(server.port)")
        } cleanUp: {
            await server.stop()
        }
    }

    private func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            let spans = try Self.spans(in: Data(body.readableBytesView))
            self.state.withLock { $0.spans += spans }
            return Self.accepted
        }
        router.post("v1/metrics") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 16 << 20)
            self.state.withLock { $0.metricExports += 1 }
            return Self.accepted
        }
        return router
    }

    /// An export service's answer with nothing rejected: `{}` in JSON.
    private static var accepted: Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: "{}"))
        )
    }

    /// The spans of an `ExportTraceServiceRequest` in OTLP's JSON mapping (none in anything else, which the
    /// tests then wait for in vain).
    static func spans(in json: Data) throws -> [Span] {
        guard let request = try JSONSerialization.jsonObject(with: json) as? [String: Any] else { return [] }
        var found: [Span] = []
        for resourceSpans in request["resourceSpans"] as? [[String: Any]] ?? [] {
            for scopeSpans in resourceSpans["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scopeSpans["spans"] as? [[String: Any]] ?? [] {
                    var attributes: [String: String] = [:]
                    for attribute in span["attributes"] as? [[String: Any]] ?? [] {
                        guard let key = attribute["key"] as? String,
                            let value = (attribute["value"] as? [String: Any])?.values.first
                        else { continue }
                        attributes[key] = "\(value)"
                    }
                    let raw = try JSONSerialization.data(withJSONObject: span, options: [.sortedKeys])
                    found.append(
                        Span(
                            name: span["name"] as? String ?? "",
                            traceID: hex(span["traceId"]),
                            spanID: hex(span["spanId"]),
                            parentSpanID: hex(span["parentSpanId"]),
                            attributes: attributes,
                            raw: String(decoding: raw, as: UTF8.self)
                        )
                    )
                }
            }
        }
        return found
    }

    /// An id as lowercase hex: OTLP's JSON mapping writes ids in hex, protobuf's own JSON in base64.
    private static func hex(_ value: Any?) -> String {
        guard let text = value as? String, !text.isEmpty else { return "" }
        if text.count % 2 == 0, text.allSatisfy(\.isHexDigit), text.count == 32 || text.count == 16 {
            return text.lowercased()
        }
        guard let bytes = Data(base64Encoded: text) else { return text }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }
}
