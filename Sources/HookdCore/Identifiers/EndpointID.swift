/// An endpoint's identifier, the v3.20 `webhookId`: `whk_` and 20 uppercase letters and digits
/// (``Identifiers/webhookID()``).
///
/// The app's v3 URL is an endpoint too, with an id derived from the app's (``Identifiers/v3WebhookID(appID:)``), so
/// a delivery names its endpoint the same way whichever interface it goes out on.
public struct EndpointID: TypedIdentifier {
    public var rawValue: String

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }
}

extension EndpointID: ShapedIdentifier {
    /// Whether `text` has an endpoint identifier's shape (``Identifiers/isWebhookID(_:)``).
    public static func hasShape(_ text: String) -> Bool { Identifiers.isWebhookID(text) }
}
