/// What ``WebhookVerifier`` established about a delivery it accepted.
///
/// Every scheme in ``schemes`` was present and matched; no scheme that was present failed.
/// The body fields are read from the verified bytes; use ``dataRange`` to decode the payload
/// from exactly the bytes the v3 signature covers.
///
/// ```swift
/// let delivery = try verifier.verify(body: body, headers: headers)
/// let payload = delivery.dataRange.map { body[$0] }  // exactly the bytes the v3 `sign` covers
/// ```
public struct VerifiedDelivery: Sendable, Hashable {
    /// The schemes that were present and matched.
    public let schemes: Set<SignatureScheme>
    /// The body's top-level `eventId`, when it is a string.
    public let eventId: String?
    /// The body's top-level `event` (for example `card.funded`), when it is a string.
    public let event: String?
    /// The byte offsets of the body's top-level `data` value, when the body has one.
    ///
    /// Offsets count from the start of the body (see ``DataValueScanner``).
    public let dataRange: Range<Int>?

    init(schemes: Set<SignatureScheme>, eventId: String?, event: String?, dataRange: Range<Int>?) {
        self.schemes = schemes
        self.eventId = eventId
        self.event = event
        self.dataRange = dataRange
    }
}
