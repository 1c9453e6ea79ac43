/// What hookd's identifiers share: a string the service hands out (or a client chose), carried in a type that says
/// what it identifies.
///
/// Each kind of identifier is its own type (``AppID``, ``EndpointID``, ``DeliveryID``, ``LeaseID``, …), so a call
/// such as `claimedDelivery(id:leaseID:)` cannot take its arguments swapped: a ``LeaseID`` is not a ``DeliveryID``
/// though both are text. The text is kept as it is: an identifier is written to JSON, a database column or a log as
/// its ``rawValue`` and nothing else, and compared and hashed as that string.
///
/// ```swift
/// let delivery = DeliveryID("dlv_0123456789abcdef01234567")
/// let lease = Identifiers.leaseID()
/// let claim = try await store.claimedDelivery(id: delivery, leaseID: lease)
/// delivery.rawValue  // "dlv_0123456789abcdef01234567"
/// ```
public protocol TypedIdentifier: RawRepresentable, Sendable, Hashable, Comparable, Codable, CustomStringConvertible
where RawValue == String {
    /// The identifier's text, exactly as it is stored and shown.
    var rawValue: String { get }

    /// The identifier whose text is `rawValue`; the shape is checked where the text enters (a route, a parser), not
    /// here.
    init(_ rawValue: String)
}

extension TypedIdentifier {
    /// The identifier whose text is `rawValue`.
    public init(rawValue: String) {
        self.init(rawValue)
    }

    /// The identifier's text, as logs and test failures show it.
    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

/// An identifier whose text has a shape that can be checked where it enters: a request's path or body, a command's
/// argument.
///
/// Text without the shape cannot name anything hookd handed out, so it is refused there rather than looked up.
public protocol ShapedIdentifier: TypedIdentifier {
    /// Whether `text` has this kind of identifier's shape.
    static func hasShape(_ text: String) -> Bool
}

extension ShapedIdentifier {
    /// The identifier `text` is, when it has this kind's shape (``hasShape(_:)``); `nil` otherwise.
    public init?(validating text: String) {
        guard Self.hasShape(text) else { return nil }
        self.init(text)
    }
}
