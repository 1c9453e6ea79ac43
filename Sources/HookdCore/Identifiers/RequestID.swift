/// A request's identifier: `req_` and 24 lowercase hexadecimal digits (``Identifiers/requestID()``).
///
/// Every answer carries it (`X-Request-Id`, the envelope's `meta.requestId`), every log line about the request has
/// it, and the audit trail of a secret names the request that changed it.
public struct RequestID: TypedIdentifier {
    public var rawValue: String

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }
}
