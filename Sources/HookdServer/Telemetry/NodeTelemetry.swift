import CoreMetrics
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// A node's OpenTelemetry exporters: a tracer and a metrics factory sending to the collector, and the service that
/// runs their exports and flushes them when the node stops.
///
/// Nothing here is bootstrapped process-wide (`InstrumentationSystem`, `MetricsSystem`): the tracer and the factory
/// are handed to what uses them, so several nodes in one test process each export to their own collector, and a
/// node without telemetry has no tracer at all.
struct NodeTelemetry: Sendable {
    /// Makes the publish and attempt spans.
    let tracer: any Tracer
    /// Takes the request metrics beside the Prometheus registry.
    let metrics: any MetricsFactory
    /// Runs the exports; the node's service group stops it last, so the spans of the last attempts are sent.
    let service: any Service

    /// The exporters `configuration` asks for; `nil` when it asks for none.
    ///
    /// OpenTelemetry's `OTEL_*` environment variables still apply on top (`OTEL_SERVICE_NAME`,
    /// `OTEL_EXPORTER_OTLP_HEADERS`, …), as the library reads them.
    static func make(_ configuration: TelemetryConfiguration?, logger: Logger) throws -> NodeTelemetry? {
        guard let configuration else { return nil }
        var otel = OTel.Configuration.default
        otel.serviceName = "hookd"
        otel.diagnosticLogger = .custom(logger)
        otel.diagnosticLogLevel = .warning
        otel.logs.enabled = false
        let encoding: OTel.Configuration.OTLPExporterConfiguration.`Protocol` =
            switch configuration.encoding {
            case .protobuf: .httpProtobuf
            case .json: .httpJSON
            }
        otel.traces.otlpExporter.endpoint = configuration.endpoint.url(forSignal: "traces")
        otel.traces.otlpExporter.protocol = encoding
        otel.traces.batchSpanProcessor.scheduleDelay = configuration.spanExportDelay
        otel.metrics.otlpExporter.endpoint = configuration.endpoint.url(forSignal: "metrics")
        otel.metrics.otlpExporter.protocol = encoding
        otel.metrics.exportInterval = configuration.metricsInterval
        let tracing = try OTel.makeTracingBackend(configuration: otel)
        let metrics = try OTel.makeMetricsBackend(configuration: otel)
        return NodeTelemetry(
            tracer: tracing.factory,
            metrics: metrics.factory,
            service: ServiceGroup(
                configuration: .init(
                    services: [
                        .init(service: tracing.service, successTerminationBehavior: .gracefullyShutdownGroup),
                        .init(service: metrics.service, successTerminationBehavior: .gracefullyShutdownGroup),
                    ],
                    logger: logger
                )
            )
        )
    }

    /// The logging metadata provider that puts the current span's trace and span ids on every log line
    /// (`trace_id`, `span_id`), for `hookd serve`'s logging bootstrap.
    static var loggingMetadataProvider: Logger.MetadataProvider {
        OTel.makeLoggingMetadataProvider()
    }
}
