/// The rules for an endpoint's settings other than its URL and headers (SPEC §11).
public enum EndpointRules {
    /// The longest description accepted, in Unicode scalars (what JSON Schema's `maxLength` counts).
    public static let maximumDescriptionLength = 255
    /// How many events one endpoint may subscribe to.
    public static let subscriptionSizes = 1...20
    /// The `rateLimit` values accepted, deliveries per second.
    public static let rateLimits = 1...10_000

    /// Checks a description.
    ///
    /// - Throws: ``EndpointFieldError`` for `description` when it is longer than ``maximumDescriptionLength``
    ///   Unicode scalars or holds a control character.
    public static func description(_ text: String) throws(EndpointFieldError) -> String {
        guard text.unicodeScalars.count <= maximumDescriptionLength else {
            throw EndpointFieldError(
                field: "description",
                "must be at most \(maximumDescriptionLength) characters"
            )
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw EndpointFieldError(field: "description", "must not contain control characters")
        }
        return text
    }

    /// Checks a subscription and returns its events as catalogue (dot) names, in the order given, each once.
    ///
    /// Names are accepted in either spelling (`card.funded` or `CARD_FUNDED`).
    /// - Throws: ``EndpointFieldError`` for `events` when the list is empty, longer than 20, or names an event an
    ///   app of `type` cannot receive.
    public static func events(_ names: [String], for type: AppType) throws(EndpointFieldError) -> [String] {
        guard subscriptionSizes.contains(names.count) else {
            throw EndpointFieldError(
                field: "events",
                "must list \(subscriptionSizes.lowerBound) to \(subscriptionSizes.upperBound) events"
            )
        }
        var events: [String] = []
        for name in names {
            guard let event = EventName.catalogueName(name, for: type) else {
                throw EndpointFieldError(
                    field: "events",
                    "'\(name.prefix(64))' is not an event of this app's catalogue",
                    isUnknownEvent: true
                )
            }
            if !events.contains(event) { events.append(event) }
        }
        return events
    }

    /// Checks a rate limit (`nil`: none).
    ///
    /// - Throws: ``EndpointFieldError`` for `rateLimit` outside ``rateLimits``.
    public static func rateLimit(_ perSecond: Int?) throws(EndpointFieldError) -> Int? {
        guard let perSecond else { return nil }
        guard rateLimits.contains(perSecond) else {
            throw EndpointFieldError(
                field: "rateLimit",
                "must be null or \(rateLimits.lowerBound) to \(rateLimits.upperBound) deliveries per second"
            )
        }
        return perSecond
    }
}
