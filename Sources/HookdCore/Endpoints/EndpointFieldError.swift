/// A value of an endpoint's settings that breaks a rule of SPEC §11: which request field, and why.
///
/// The message is written for the app's developer and carries nothing secret.
public struct EndpointFieldError: Error, Sendable, Equatable {
    /// The request field, as the API names it (`events`, `headers`, `rateLimit`, …).
    public var field: String
    /// What is wrong with it.
    public var message: String

    /// The value names an event that is not in the app's catalogue (`INVALID_EVENT_TYPE`, not a validation error).
    public var isUnknownEvent: Bool

    public init(field: String, _ message: String, isUnknownEvent: Bool = false) {
        self.field = field
        self.message = message
        self.isUnknownEvent = isUnknownEvent
    }
}
