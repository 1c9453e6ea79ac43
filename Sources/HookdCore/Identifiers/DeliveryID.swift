/// A delivery's identifier: `dlv_` and 24 lowercase hexadecimal digits (``Identifiers/deliveryID()``).
///
/// One delivery is one event on its way to one endpoint; its id names it in the log (`GET /webhooks/deliveries/{id}`)
/// and in the attempts recorded for it.
public struct DeliveryID: TypedIdentifier {
    public var rawValue: String

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }
}
