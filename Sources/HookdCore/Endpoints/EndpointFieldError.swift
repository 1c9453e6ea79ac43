/// A value of an endpoint's settings that breaks a rule of SPEC §11: which request field, and why.
///
/// The message is written for the app's developer and carries nothing secret.
public struct EndpointFieldError: Error, Sendable, Equatable {
    /// The request field, as the API names it (`events`, `headers`, `rateLimit`, …).
    public var field: String
    /// What is wrong with it.
    public var message: String

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }
}
