public import Logging

/// Where and how a node exports OpenTelemetry (`--otel-endpoint`, SPEC §14): traces and metrics by OTLP over HTTP.
///
/// A configuration without one (``HookdServerConfiguration/telemetry`` `nil`, the default) exports nothing and does
/// no tracing work at all.
public struct TelemetryConfiguration: Sendable, Equatable {
    /// The collector's OTLP/HTTP base URL, such as `http://otel-collector:4318`: traces go to its `/v1/traces`,
    /// metrics to its `/v1/metrics`.
    public var endpoint: OTLPEndpoint
    /// How the export is encoded: protobuf, as collectors expect by default.
    public var encoding: Encoding = .protobuf
    /// How often metrics are exported: every 60 seconds, OpenTelemetry's default.
    public var metricsInterval: Duration = .seconds(60)
    /// How long finished spans wait to be sent in a batch: at most 5 seconds, OpenTelemetry's default.
    public var spanExportDelay: Duration = .seconds(5)

    /// Exports to `endpoint`, with the defaults.
    public init(endpoint: OTLPEndpoint) {
        self.endpoint = endpoint
    }

    /// The encoding of OTLP over HTTP.
    public enum Encoding: Sendable, Equatable {
        /// `application/x-protobuf`.
        case protobuf
        /// `application/json`, as the OTLP specification maps protobuf to JSON.
        case json
    }
}

/// The base URL of an OTLP/HTTP collector: an absolute `http` or `https` URL with a host and no user, query or
/// fragment.
///
/// ```swift
/// let endpoint = OTLPEndpoint("http://127.0.0.1:4318")!
/// endpoint.url(forSignal: "traces")  // "http://127.0.0.1:4318/v1/traces"
/// ```
public struct OTLPEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// The URL without a trailing slash.
    public let text: String

    /// `nil` unless `text` is an absolute `http`/`https` URL with a host and no user, password, query or fragment:
    /// the rule of a public URL (``PortalPublicURL``), trailing slashes dropped alike.
    public init?(_ text: String) {
        guard let base = PortalPublicURL(text) else { return nil }
        self.text = base.text
    }

    /// The URL a signal is sent to, as OpenTelemetry's `OTEL_EXPORTER_OTLP_ENDPOINT` derives it: `/v1/traces`,
    /// `/v1/metrics`.
    public func url(forSignal signal: String) -> String {
        "\(text)/v1/\(signal)"
    }

    public var description: String { text }
}

extension HookdServerConfiguration {
    /// What `hookd serve` adds to every log line: with telemetry on, the current span's `trace_id` and `span_id`
    /// (so a publish's and its attempts' lines can be found from their trace); `nil` with it off.
    public var loggingMetadataProvider: Logger.MetadataProvider? {
        telemetry.map { _ in NodeTelemetry.loggingMetadataProvider }
    }
}
