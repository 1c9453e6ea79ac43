/// An event's identifier, the `eventId` of a publish and the `webhook-id` of every attempt: a UUID in lowercase
/// (``Identifiers/eventID()``, or the client's own, normalised by ``Identifiers/normalizedEventID(_:)``).
///
/// An app publishes an event once: a second publish with the same id stores nothing and answers with the first.
public struct EventID: TypedIdentifier {
    public var rawValue: String

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }
}
