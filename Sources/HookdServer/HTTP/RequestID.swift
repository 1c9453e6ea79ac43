import HookdCore

/// hookd's request identifier (`req_…`), as every answer and log line shows it: Hummingbird declares a `RequestID`
/// of its own, which this module never uses.
typealias RequestID = HookdCore.RequestID
