import Logging
import Synchronization

/// Collects every log line (message and metadata) so a test can search them for secrets.
final class CapturedLogs: Sendable {
    private let lines = Mutex<[String]>([])

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    /// A logger at `trace` that records into this collection.
    func logger(label: String = "hookd-test") -> Logger {
        Logger(label: label) { label in CapturingLogHandler(logs: self, label: label) }
    }
}

private struct CapturingLogHandler: LogHandler {
    let logs: CapturedLogs
    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        logs.append(
            "\(event.level) \(label) \(event.message) \(merged) \(event.source) \(event.error.map { "\($0)" } ?? "")"
        )
    }
}
