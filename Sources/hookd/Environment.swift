import Foundation

/// Reads the `HOOKD_*` twins of the options that are not `hookd serve` settings (those are read through
/// ``ServeSetting/all``). A flag given on the command line wins.
enum Environment {
    static var values: [String: String] { ProcessInfo.processInfo.environment }

    static func string(_ name: String) -> String? {
        values[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// A command failed for a reason the operator can act on; printed without a stack trace.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
