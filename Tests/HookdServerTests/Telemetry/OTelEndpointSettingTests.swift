import HookdServerTestSupport
import Testing

@testable import HookdServer

/// `--otel-endpoint` and its twin: off by default, an http(s) URL with a host when given, refused otherwise.
@Suite struct OTelEndpointSettingTests {
    @Test func offByDefault() throws {
        let configuration = try ServeOptions().configuration(environment: [:])
        #expect(configuration.telemetry == nil, "nothing is exported")
        #expect(configuration.loggingMetadataProvider == nil, "log lines are as they were")
    }

    @Test func theTwinSetsItAndTheFlagWins() throws {
        var configuration = try ServeOptions().configuration(environment: [
            "HOOKD_OTEL_ENDPOINT": "http://otel-collector:4318/"
        ])
        #expect(configuration.telemetry?.endpoint.text == "http://otel-collector:4318", "without its trailing slash")
        #expect(configuration.telemetry?.encoding == .protobuf)
        #expect(configuration.loggingMetadataProvider != nil, "log lines carry the trace id")
        var options = ServeOptions()
        options[.otelEndpoint] = "https://collector.example.com"
        configuration = try options.configuration(environment: ["HOOKD_OTEL_ENDPOINT": "http://127.0.0.1:4318"])
        #expect(configuration.telemetry?.endpoint.text == "https://collector.example.com", "the flag wins")
    }

    @Test func eachSignalGoesToItsOwnPathUnderTheBase() throws {
        let endpoint = try #require(OTLPEndpoint("http://127.0.0.1:4318/otlp"))
        #expect(endpoint.url(forSignal: "traces") == "http://127.0.0.1:4318/otlp/v1/traces")
        #expect(endpoint.url(forSignal: "metrics") == "http://127.0.0.1:4318/otlp/v1/metrics")
    }

    /// The shortest URL taken, and everything just past what is taken: refused at start-up with a clear message.
    @Test(arguments: [
        "127.0.0.1:4318", "otel-collector:4318", "ftp://collector:4318", "http://", "http:///v1", "http://a b:4318",
        "http://user:secret@collector:4318", "http://collector:4318/?x=1", "http://collector:4318/#f",
    ])
    func aMalformedURLIsRefused(text: String) throws {
        #expect(OTLPEndpoint(text) == nil)
        let error = #expect(throws: ServeOptions.Invalid.self) {
            try ServeOptions().configuration(environment: ["HOOKD_OTEL_ENDPOINT": text])
        }
        #expect(error?.description.contains("--otel-endpoint must be an http:// or https:// URL") == true)
    }

    @Test func theShortestURLIsTaken() throws {
        #expect(OTLPEndpoint("http://a")?.text == "http://a")
        #expect(OTLPEndpoint("HTTPS://[::1]:4318")?.text == "HTTPS://[::1]:4318")
    }
}
