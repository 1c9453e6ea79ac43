/// The W3C `traceparent` of the span that published an event, kept with the event so that its attempts, made later
/// and perhaps on another node, join the publish's trace.
///
/// The text is the header's value as the tracer wrote it: version, trace id, parent span id and flags, each in
/// lowercase hex and separated by dashes. The tracer that reads it back checks it; hookd stores it and nothing else.
/// It holds no secret and says nothing of the payload.
///
/// ```swift
/// let parent = TraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
/// parent.rawValue  // "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
/// ```
public struct TraceParent: TypedIdentifier {
    /// The header's name, `traceparent`.
    public static let headerName = "traceparent"

    public var rawValue: String

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }
}
