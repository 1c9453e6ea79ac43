/// The events hookd delivers, by app type: the Fyatu v3 names (SPEC §9) and the v3.20 names (SPEC §11.1).
///
/// An event is stored under one name whatever spelling it was published or subscribed in: its v3 name where it has
/// one, its v3.20 name otherwise (``V320Event/storedName``). So `card.created`, `CARD_ISSUED` and the old
/// `CARD_CREATED` are one event, and the endpoints subscribed to any of them, and the v3 URL, all receive it.
public enum EventCatalogue {
    /// One event of the v3 catalogue.
    public struct Entry: Sendable, Equatable {
        /// The event name as sent in `event` and `X-Fyatu-Event`.
        public let name: String
        /// One line for the customer.
        public let description: String
    }

    /// One event of the v3.20 catalogue, with its v3 counterpart when it has one.
    public struct V320Event: Sendable, Equatable {
        /// The UPPERCASE_SNAKE name a v3.20 endpoint subscribes to and receives in `event` and `X-Fyatu-Event`.
        public let name: String
        /// The v3 name of the same event, sent to the v3 URL; `nil` when v3 has none (then the v3 URL never gets it).
        public let v3Name: String?
        /// One line for the customer.
        public let description: String
        /// Whether Fyatu's v3.20 pages name it (`FYATU-V3.20.md` §3.1); `false` for the names hookd adds: the v3
        /// events Fyatu's v3.20 catalogue lacks (`CARD_FAILED`, the collection events) and hookd's own.
        public let isFyatu: Bool

        /// The name hookd stores the event under: its v3 name where it has one, so events and subscriptions stored
        /// before the v3.20 catalogue keep their meaning.
        public var storedName: String { v3Name ?? name }

        init(_ name: String, _ v3Name: String?, _ description: String, isFyatu: Bool = true) {
            self.name = name
            self.v3Name = v3Name
            self.description = description
            self.isFyatu = isFyatu
        }
    }

    /// The test event every app may receive.
    public static let testEvent = Entry(name: "webhook.test", description: "A test delivery requested by the app.")
    /// Sent by hookd itself to an app's other endpoints when one of its endpoints is disabled for failing or for
    /// answering `410 Gone` (SPEC §11); never published by the platform.
    public static let endpointDisabledEvent = Entry(
        name: "webhook.endpoint.disabled",
        description: "One of the app's webhook endpoints was disabled after failing or answering 410 Gone."
    )
    /// Sent by hookd when every attempt to one of the app's endpoints has failed for `--endpoint-warn-after`
    /// (SPEC §14): the endpoint will be disabled unless a delivery succeeds first.
    public static let endpointFailingEvent = Entry(
        name: "webhook.endpoint.failing",
        description: "One of the app's webhook endpoints has been failing and will be disabled unless it recovers."
    )
    /// Sent by hookd when a disabled endpoint of the app is enabled again (SPEC §14).
    public static let endpointEnabledEvent = Entry(
        name: "webhook.endpoint.enabled",
        description: "One of the app's disabled webhook endpoints was enabled again."
    )
    /// Sent by hookd when a delivery became `FAILED` after its last retry (SPEC §14).
    public static let deliveryExhaustedEvent = Entry(
        name: "webhook.delivery.exhausted",
        description: "A delivery failed its last retry and will not be attempted again unless retried."
    )

    /// The operational events (SPEC §14): what hookd tells an app, and the operator, about its endpoints and
    /// deliveries. hookd alone sends them; an event about an endpoint never goes to that endpoint.
    public static let operationalEvents: [Entry] = [
        endpointFailingEvent, endpointDisabledEvent, endpointEnabledEvent, deliveryExhaustedEvent,
    ]

    /// Whether the event stored as `storedName` is one of the ``operationalEvents``.
    public static func isOperational(_ storedName: String) -> Bool {
        operationalEvents.contains { $0.name == storedName }
    }

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

    /// Fyatu's v3.20 catalogue (the union of the names its pages use, `FYATU-V3.20.md` §3.1) in the pages' order,
    /// with hookd's `card.failed`, which Fyatu's v3.20 catalogue lacks. Issuing apps only: every name is about a card
    /// program.
    ///
    /// The pairs are the events that truly correspond: `card.created` is `CARD_ISSUED`, `card.transaction.approved`
    /// is `TRANSACTION_AUTHORIZED` (the authorisation; `TRANSACTION_PROCESSED`, the pages' other model of a charge,
    /// has no v3 counterpart), `cardholder.kyc.pending` is `CARDHOLDER_KYC_SUBMITTED` (documents in, check pending).
    /// The overdue-invoice event the billing pages mention is left out: no page names it, and a guessed name could
    /// be subscribed to and never sent, whereas adding the real one later breaks nothing.
    private static let issuingV320: [V320Event] = [
        V320Event("CARD_ISSUED", "card.created", "A card was issued."),
        V320Event("CARD_FROZEN", "card.frozen", "A card was frozen and declines new transactions."),
        V320Event("CARD_UNFROZEN", "card.unfrozen", "A frozen card was reactivated."),
        V320Event("CARD_TERMINATED", "card.terminated", "A card was closed for good."),
        V320Event("CARD_FUNDED", "card.funded", "Money was loaded onto a card."),
        V320Event("CARD_UNLOADED", "card.unloaded", "Money was moved off a card."),
        V320Event("CARD_FUND_FAILED", nil, "Loading money onto a card failed."),
        V320Event("CARD_UNLOAD_FAILED", nil, "Moving money off a card failed."),
        V320Event("CARD_3DS_OTP", nil, "A one-time code for a 3-D Secure check, to pass to the cardholder."),
        V320Event("CARD_TOKENIZATION_OTP", nil, "A one-time code for adding a card to a wallet."),
        V320Event("CARD_AUTHORIZATION", nil, "An authorisation was decided (approved or declined); informational."),
        V320Event("CARD_FAILED", "card.failed", "A card could not be issued.", isFyatu: false),
        V320Event("CARDHOLDER_CREATED", "cardholder.created", "A cardholder was registered."),
        V320Event("CARDHOLDER_UPDATED", nil, "A cardholder's details changed."),
        V320Event("CARDHOLDER_SUSPENDED", nil, "A cardholder was suspended."),
        V320Event("CARDHOLDER_REACTIVATED", nil, "A suspended cardholder was reactivated."),
        V320Event("CARDHOLDER_TERMINATED", nil, "A cardholder was closed for good."),
        V320Event(
            "CARDHOLDER_KYC_SUBMITTED",
            "cardholder.kyc.pending",
            "A cardholder's identity check is under review."
        ),
        V320Event("CARDHOLDER_KYC_SUBMISSION_FAILED", nil, "A cardholder's identity documents could not be submitted."),
        V320Event("CARDHOLDER_KYC_APPROVED", "cardholder.kyc.approved", "A cardholder's identity check passed."),
        V320Event("CARDHOLDER_KYC_REJECTED", "cardholder.kyc.rejected", "A cardholder's identity check failed."),
        V320Event("CARDHOLDER_DELETED", nil, "A cardholder was deleted."),
        V320Event("TRANSACTION_AUTHORIZED", "card.transaction.approved", "A card transaction was authorised."),
        V320Event("TRANSACTION_CLEARED", nil, "An authorised card transaction settled."),
        V320Event("TRANSACTION_DECLINED", "card.transaction.declined", "A card transaction was declined."),
        V320Event("TRANSACTION_REVERSED", "card.transaction.reversed", "An authorised card transaction was reversed."),
        V320Event("TRANSACTION_PROCESSED", nil, "A card charge completed, was reversed or was adjusted."),
        V320Event("TRANSACTION_FEE", nil, "A fee was charged to a card."),
        V320Event("ACCOUNT_LOW_BALANCE", nil, "The program's balance fell below its threshold."),
        V320Event("ACCOUNT_WITHDRAWAL_INITIATED", nil, "A withdrawal from the program's balance started."),
        V320Event("ACCOUNT_WITHDRAWAL_COMPLETED", nil, "A withdrawal from the program's balance completed."),
        V320Event("BILLING_INVOICE_CREATED", nil, "An invoice was issued to the program."),
        V320Event("BILLING_INVOICE_PAID", nil, "An invoice was paid."),
        V320Event("BILLING_DEPOSIT_DETECTED", nil, "A deposit was seen on chain, not yet confirmed."),
        V320Event("BILLING_DEPOSIT_CONFIRMED", nil, "A deposit was confirmed and credited."),
    ]

    /// hookd's collection events in their v3.20 spelling: Fyatu's v3.20 catalogue has none.
    private static let collectionV320: [V320Event] = collection.map {
        V320Event(EventName.uppercasedForm($0.name), $0.name, $0.description, isFyatu: false)
    }

    /// hookd's own events, for every app.
    private static let ownV320: [V320Event] = ([testEvent] + operationalEvents).map {
        V320Event(EventName.uppercasedForm($0.name), $0.name, $0.description, isFyatu: false)
    }

    /// The events an app of `type` can receive at its v3 URL (SPEC §9), `webhook.test` last.
    public static func events(for type: AppType) -> [Entry] {
        switch type {
        case .issuing: issuing + [testEvent]
        case .collection: collection + [testEvent]
        }
    }

    /// The events a v3.20 endpoint of an app of `type` can subscribe to (SPEC §11.1), by their v3.20 names:
    /// Fyatu's catalogue for issuing apps, hookd's collection events for collection apps, then `WEBHOOK_TEST` and
    /// the operational events (`WEBHOOK_ENDPOINT_FAILING`, …), which hookd alone sends.
    public static func v320Events(for type: AppType) -> [V320Event] {
        switch type {
        case .issuing: issuingV320 + ownV320
        case .collection: collectionV320 + ownV320
        }
    }

    /// Whether the platform may publish the event stored as `storedName` for an app of `type`: any event of its
    /// v3 or v3.20 catalogue but those hookd sends about itself.
    public static func isPublishable(_ storedName: String, for type: AppType) -> Bool {
        !isOperational(storedName) && v320Events(for: type).contains { $0.storedName == storedName }
    }

    /// Whether an app of `type` can receive `name` at its v3 URL.
    public static func contains(_ name: String, for type: AppType) -> Bool {
        events(for: type).contains { $0.name == name }
    }

    /// Whether the event stored as `storedName` goes to the app's v3 URL: when it has a v3 name (and is not about
    /// the v3.20 endpoints, which the v3 URL is not one of).
    public static func reachesV3URL(_ storedName: String) -> Bool {
        !isOperational(storedName)
            && AppType.allCases.contains { type in contains(storedName, for: type) }
    }
}
