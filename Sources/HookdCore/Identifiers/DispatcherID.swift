/// The identifier of one running dispatcher: `dsp_` and 24 lowercase hexadecimal digits
/// (``Identifiers/dispatcherID()``).
///
/// Dispatchers sharing a queue note themselves alive under it, so each knows how many share the claim caps.
public struct DispatcherID: TypedIdentifier {
    public var rawValue: String

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }
}
