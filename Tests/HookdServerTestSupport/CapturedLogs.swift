package import Logging
import Synchronization

/// Collects every log line (message and metadata) so a test can search them for secrets.
package final class CapturedLogs: Sendable {
    private let lines = Mutex<[String]>([])

    package init() {}

    package var text: String { lines.withLock { $0.joined(separator: "\n") } }

    package func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    /// A logger at `trace` that records into this collection, with what `metadataProvider` adds to each line (as
    /// `hookd serve`'s logging has: ``HookdServerConfiguration/loggingMetadataProvider``).
    package func logger(label: String = "hookd-test", metadataProvider: Logger.MetadataProvider? = nil) -> Logger {
        Logger(label: label) { label in
            CapturingLogHandler(logs: self, label: label, metadataProvider: metadataProvider)
        }
    }
}

private struct CapturingLogHandler: LogHandler {
    package let logs: CapturedLogs
    package let label: String
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level = .trace
    package var metadataProvider: Logger.MetadataProvider?

    init(logs: CapturedLogs, label: String, metadataProvider: Logger.MetadataProvider?) {
        self.logs = logs
        self.label = label
        self.metadataProvider = metadataProvider
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        let merged = (metadataProvider?.get() ?? [:]).merging(metadata) { $1 }.merging(event.metadata ?? [:]) { $1 }
        logs.append(
            "\(event.level) \(label) \(event.message) \(merged) \(event.source) \(event.error.map { "\($0)" } ?? "")"
        )
    }
}
