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

    /// The events an app of `type` can receive, `webhook.test` last.
    public static func events(for type: AppType) -> [Entry] {
        switch type {
        case .issuing: issuing + [testEvent]
        case .collection: collection + [testEvent]
        }
    }

    /// Whether an app of `type` can receive `name`.
    public static func contains(_ name: String, for type: AppType) -> Bool {
        events(for: type).contains { $0.name == name }
    }
}
