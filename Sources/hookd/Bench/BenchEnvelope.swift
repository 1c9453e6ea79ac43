import Foundation

/// The JSON summary: what ran, where, with what, and the figures.
struct BenchEnvelope<Results: Encodable>: Encodable {
    struct Machine: Encodable {
        var cores: Int
        var memoryGiB: Double
        var build: String
        var date: String

        static var current: Machine {
            #if DEBUG
            let build = "debug"
            #else
            let build = "release"
            #endif
            return Machine(
                cores: ProcessInfo.processInfo.activeProcessorCount,
                memoryGiB: Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824,
                build: build,
                date: ISO8601DateFormatter().string(from: Date())
            )
        }
    }

    var benchmark: String
    var machine: Machine
    var store: String
    var parameters: [String: Double]
    var results: Results
}
