/// An app's identifier: 16 uppercase letters and digits (``Identifiers/appID()``).
///
/// An app is one tenant; its id is the `appId` of its tokens, its portal links and every row the store keeps for it,
/// so every call that reads or changes a tenant's data names the tenant with this type.
public struct AppID: TypedIdentifier {
    public var rawValue: String

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }
}

extension AppID: ShapedIdentifier {
    /// Whether `text` has an app identifier's shape (``Identifiers/isAppID(_:)``).
    public static func hasShape(_ text: String) -> Bool { Identifiers.isAppID(text) }
}
