/// The events hookd delivers (the Fyatu v3 names), by app type.
public enum EventCatalogue {
    /// One event of the catalogue.
    public struct Entry: Sendable, Equatable {
        /// The event name as sent in `event` and `X-Fyatu-Event`.
        public let name: String
        /// One line for the customer.
        public let description: String
    }

    /// The test event every app may receive.
    public static let testEvent = Entry(name: "webhook.test", description: "A test delivery requested by the app.")
    /// Sent by hookd itself to an app's other endpoints when one of its endpoints is disabled for failing or for
    /// answering `410 Gone` (SPEC §11); never published by the platform.
    public static let endpointDisabledEvent = Entry(
        name: "webhook.endpoint.disabled",
        description: "One of the app's webhook endpoints was disabled after failing or answering 410 Gone."
    )

    private static let issuing: [Entry] = [
        Entry(name: "card.created", description: "A card was issued."),
        Entry(name: "card.failed", description: "A card could not be issued."),
        Entry(name: "card.funded", description: "Money was loaded onto a card."),
        Entry(name: "card.unloaded", description: "Money was moved off a card."),
        Entry(name: "card.frozen", description: "A card was frozen and declines new transactions."),
        Entry(name: "card.unfrozen", description: "A frozen card was reactivated."),
        Entry(name: "card.terminated", description: "A card was closed for good."),
        Entry(name: "card.transaction.approved", description: "A card transaction was authorised."),
        Entry(name: "card.transaction.declined", description: "A card transaction was declined."),
        Entry(name: "card.transaction.reversed", description: "An authorised card transaction was reversed."),
        Entry(name: "cardholder.created", description: "A cardholder was registered."),
        Entry(name: "cardholder.kyc.pending", description: "A cardholder's identity check is under review."),
        Entry(name: "cardholder.kyc.approved", description: "A cardholder's identity check passed."),
        Entry(name: "cardholder.kyc.rejected", description: "A cardholder's identity check failed."),
    ]

    private static let collection: [Entry] = [
        Entry(name: "collection.received", description: "A payment was collected."),
        Entry(name: "collection.failed", description: "A payment collection failed."),
        Entry(name: "payout.completed", description: "A payout reached its recipient."),
        Entry(name: "payout.failed", description: "A payout could not be completed."),
    ]

    /// The events an app of `type` can receive at its v3 URL (SPEC §9), `webhook.test` last.
    public static func events(for type: AppType) -> [Entry] {
        switch type {
        case .issuing: issuing + [testEvent]
        case .collection: collection + [testEvent]
        }
    }

    /// The events a v3.20 endpoint of an app of `type` can subscribe to (SPEC §11): the v3 catalogue and
    /// `webhook.endpoint.disabled`, which hookd alone sends.
    public static func subscribableEvents(for type: AppType) -> [Entry] {
        events(for: type) + [endpointDisabledEvent]
    }

    /// Whether the platform may publish `name` for an app of `type`: any event of its v3 catalogue (the events
    /// hookd sends about itself are not in it).
    public static func isPublishable(_ name: String, for type: AppType) -> Bool {
        contains(name, for: type)
    }

    /// Whether an app of `type` can receive `name`.
    public static func contains(_ name: String, for type: AppType) -> Bool {
        events(for: type).contains { $0.name == name }
    }
}
