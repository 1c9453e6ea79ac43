import CoreMetrics
import Hummingbird
import Prometheus

/// Request counts and latencies by route, method and status, for `GET /metrics`, and by OTLP when telemetry is on.
///
/// Each application owns its registry (no global metrics bootstrap), so several servers in one test process
/// keep separate figures.
final class RequestMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// The OpenTelemetry exporter's factory, which takes the same figures (`--otel-endpoint`); `nil`: none.
    private let exported: (any MetricsFactory)?

    private static let buckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    /// Figures for `GET /metrics`, and for `exported` too when given.
    init(exportingTo exported: (any MetricsFactory)? = nil) {
        self.exported = exported
    }

    func record(route: String, method: String, status: Int, duration: Duration) {
        let labels = [("route", route), ("method", method), ("status", String(status))]
        registry.makeCounter(
            descriptor: .init(
                namespace: "hookd",
                metricName: "http_requests",
                unitName: "total",
                helpText: "HTTP requests answered, by route, method and status"
            ),
            labels: labels
        ).increment()
        registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "hookd",
                metricName: "http_request_duration",
                unitName: "seconds",
                helpText: "Time to answer HTTP requests, by route, method and status"
            ),
            labels: labels,
            buckets: Self.buckets
        ).record(duration)
        if let exported {
            Counter(label: "hookd_http_requests_total", dimensions: labels, factory: exported).increment()
            let (seconds, attoseconds) = duration.components
            Timer(label: "hookd_http_request_duration_seconds", dimensions: labels, factory: exported)
                .recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        }
    }

    /// The Prometheus text exposition of every metric.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}

/// Times every request and records it in ``RequestMetrics`` under its route pattern (never the raw path).
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = HookdRequestContext

    let metrics: RequestMetrics

    func handle(
        _ request: Request,
        context: HookdRequestContext,
        next: (Request, HookdRequestContext) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        metrics.record(
            route: context.endpointPath ?? "unknown",
            method: request.method.rawValue,
            status: response.status.code,
            duration: ContinuousClock.now - start
        )
        return response
    }
}
