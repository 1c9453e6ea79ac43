/// An access token's identifier, its JWT `jti`: `jwt_` and 24 lowercase hexadecimal digits
/// (``Identifiers/tokenID()``).
///
/// A token revoked before its time is remembered by this id until it could no longer be used or refreshed.
public struct TokenID: TypedIdentifier {
    public var rawValue: String

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }
}
