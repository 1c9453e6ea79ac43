/// The identifier of one claim on deliveries (``Identifiers/leaseID()``): 24 lowercase hexadecimal digits.
///
/// A dispatcher that claims deliveries holds them under a lease; an attempt is recorded only while the delivery's
/// lease is still the one the claim was given, so a dispatcher whose lease ran out cannot overwrite another's work.
public struct LeaseID: TypedIdentifier {
    public var rawValue: String

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }
}
