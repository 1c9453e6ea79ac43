import HookdCore

/// An app made for a benchmark by `hookd apps create`, with what its requests need: its secret key for a token and
/// the operator key for the internal routes.
struct BenchApp: Sendable {
    let appID: AppID
    let secretKey: String
    let operatorKey: String
}
