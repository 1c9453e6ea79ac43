import Foundation

/// Reads the `HOOKD_*` twins of command-line options. A flag given on the command line wins.
enum Environment {
    static var values: [String: String] { ProcessInfo.processInfo.environment }

    static func string(_ name: String) -> String? {
        values[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    static func int(_ name: String) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text) else { throw CommandFailure("\(name) must be a whole number, not \(text)") }
        return value
    }

    static func double(_ name: String) throws -> Double? {
        guard let text = string(name) else { return nil }
        guard let value = Double(text) else { throw CommandFailure("\(name) must be a number, not \(text)") }
        return value
    }

    /// `1`, `true` and `yes` (any case) are true.
    static func bool(_ name: String) -> Bool {
        guard let text = string(name)?.lowercased() else { return false }
        return ["1", "true", "yes"].contains(text)
    }
}

/// A command failed for a reason the operator can act on; printed without a stack trace.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
