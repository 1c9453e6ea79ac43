/// The identifier of the business an app belongs to: 24 uppercase letters and digits
/// (``Identifiers/businessID()``).
///
/// The v3.20 interface names the holder of a token and the sender of a webhook by it (`businessId`).
public struct BusinessID: TypedIdentifier {
    public var rawValue: String

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }
}
