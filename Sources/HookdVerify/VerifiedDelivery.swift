/// What ``WebhookVerifier`` established about a delivery it accepted.
///
/// Every scheme in ``schemes`` was present and matched; no scheme that was present failed.
/// The body fields are read from the verified bytes, in either delivery format: v3
/// (`{"event":"card.funded","version":"3.0","eventId":…,"sign":…,"data":…}`) or v3.20
/// (`{"event":"CARD_FUNDED","eventId":…,"businessId":…,"environment":"LIVE","timestamp":…,"data":…}`).
/// Use ``dataRange`` to decode the payload from exactly the bytes the v3 signature covers.
///
/// ```swift
/// let delivery = try verifier.verify(body: body, headers: headers)
/// let payload = delivery.dataRange.map { body[$0] }  // exactly the bytes the v3 `sign` covers
/// ```
///
/// - Important: Only the body's fields are reported, never the `X-Fyatu-Event` or `X-Fyatu-Environment`
///   headers: those are not covered by any signature, while the body is.
public struct VerifiedDelivery: Sendable, Hashable {
    /// The schemes that were present and matched.
    public let schemes: Set<SignatureScheme>
    /// The body's top-level `eventId`, when it is a string: the same in every format and on every attempt.
    public let eventId: String?
    /// The body's top-level `event`, when it is a string: `card.funded` in the v3 format, `CARD_FUNDED` in v3.20.
    public let event: String?
    /// The body's top-level `environment` (`LIVE` or `SANDBOX`), when it is a string; v3 bodies have none.
    public let environment: String?
    /// The body's top-level `businessId`, when it is a string; v3 bodies have none.
    public let businessId: String?
    /// The byte offsets of the body's top-level `data` value, when the body has one.
    ///
    /// Offsets count from the start of the body (see ``DataValueScanner``).
    public let dataRange: Range<Int>?

    init(
        schemes: Set<SignatureScheme>,
        eventId: String?,
        event: String?,
        environment: String?,
        businessId: String?,
        dataRange: Range<Int>?
    ) {
        self.schemes = schemes
        self.eventId = eventId
        self.event = event
        self.environment = environment
        self.businessId = businessId
        self.dataRange = dataRange
    }
}
