import HookdCore
import Testing

/// The v3.20 catalogue (SPEC §11.1): Fyatu's names, their v3 counterparts, and every spelling hookd accepts.
@Suite struct EventCatalogueTests {
    /// The union of the names Fyatu's v3.20 pages use (`FYATU-V3.20.md` §3.1), in its order.
    static let fyatuNames = [
        "CARD_ISSUED", "CARD_FROZEN", "CARD_UNFROZEN", "CARD_TERMINATED", "CARD_FUNDED", "CARD_UNLOADED",
        "CARD_FUND_FAILED", "CARD_UNLOAD_FAILED", "CARD_3DS_OTP", "CARD_TOKENIZATION_OTP", "CARD_AUTHORIZATION",
        "CARDHOLDER_CREATED", "CARDHOLDER_UPDATED", "CARDHOLDER_SUSPENDED", "CARDHOLDER_REACTIVATED",
        "CARDHOLDER_TERMINATED", "CARDHOLDER_KYC_SUBMITTED", "CARDHOLDER_KYC_SUBMISSION_FAILED",
        "CARDHOLDER_KYC_APPROVED", "CARDHOLDER_KYC_REJECTED", "CARDHOLDER_DELETED", "TRANSACTION_AUTHORIZED",
        "TRANSACTION_CLEARED", "TRANSACTION_DECLINED", "TRANSACTION_REVERSED", "TRANSACTION_PROCESSED",
        "TRANSACTION_FEE", "ACCOUNT_LOW_BALANCE", "ACCOUNT_WITHDRAWAL_INITIATED", "ACCOUNT_WITHDRAWAL_COMPLETED",
        "BILLING_INVOICE_CREATED", "BILLING_INVOICE_PAID", "BILLING_DEPOSIT_DETECTED", "BILLING_DEPOSIT_CONFIRMED",
    ]

    @Test func anIssuingAppHasEveryNameOfFyatusPagesAndNoGuessedOne() {
        let events = EventCatalogue.v320Events(for: .issuing)
        #expect(events.filter(\.isFyatu).map(\.name) == Self.fyatuNames)
        #expect(!events.contains { $0.name == "BILLING_INVOICE_OVERDUE" }, "no page names it")
        #expect(Set(events.map(\.name)).count == events.count)
    }

    /// Each v3 event and its v3.20 counterpart (the names hookd adds where Fyatu has none are marked).
    @Test(arguments: [
        ("card.created", "CARD_ISSUED"), ("card.failed", "CARD_FAILED"), ("card.funded", "CARD_FUNDED"),
        ("card.unloaded", "CARD_UNLOADED"), ("card.frozen", "CARD_FROZEN"), ("card.unfrozen", "CARD_UNFROZEN"),
        ("card.terminated", "CARD_TERMINATED"), ("card.transaction.approved", "TRANSACTION_AUTHORIZED"),
        ("card.transaction.declined", "TRANSACTION_DECLINED"), ("card.transaction.reversed", "TRANSACTION_REVERSED"),
        ("cardholder.created", "CARDHOLDER_CREATED"), ("cardholder.kyc.pending", "CARDHOLDER_KYC_SUBMITTED"),
        ("cardholder.kyc.approved", "CARDHOLDER_KYC_APPROVED"), ("cardholder.kyc.rejected", "CARDHOLDER_KYC_REJECTED"),
        ("webhook.test", "WEBHOOK_TEST"),
    ])
    func everyV3IssuingEventHasItsV320Name(v3: String, v320: String) {
        #expect(EventName.v320Name(v3) == v320)
        #expect(EventName.catalogueName(v320, for: .issuing) == v3)
        #expect(EventName.catalogueName(v3, for: .issuing) == v3)
        #expect(EventName.catalogueName(EventName.uppercasedForm(v3), for: .issuing) == v3, "the old name")
        #expect(EventCatalogue.reachesV3URL(v3))
    }

    @Test func everySpellingOfEveryEventFindsItAloneForEveryAppType() {
        for type in AppType.allCases {
            for event in EventCatalogue.v320Events(for: type) {
                let spellings = [event.name] + (event.v3Name.map { [$0, EventName.uppercasedForm($0)] } ?? [])
                for spelling in spellings {
                    #expect(EventName.catalogueName(spelling, for: type) == event.storedName, "\(spelling)")
                }
                #expect(EventName.v320Name(event.storedName) == event.name)
            }
        }
    }

    @Test func aNameWithoutAV3CounterpartIsStoredAsItIsAndNeverReachesTheV3URL() {
        #expect(EventName.catalogueName("TRANSACTION_FEE", for: .issuing) == "TRANSACTION_FEE")
        #expect(EventCatalogue.isPublishable("TRANSACTION_FEE", for: .issuing))
        #expect(!EventCatalogue.reachesV3URL("TRANSACTION_FEE"))
        #expect(EventName.v320Name("TRANSACTION_FEE") == "TRANSACTION_FEE")
        #expect(!EventCatalogue.reachesV3URL("webhook.endpoint.disabled"), "about v3.20 endpoints")
        #expect(!EventCatalogue.isPublishable("webhook.endpoint.disabled", for: .issuing), "hookd's alone")
        #expect(EventName.v320Name("webhook.endpoint.disabled") == "WEBHOOK_ENDPOINT_DISABLED")
    }

    @Test func theAppTypeStillChoosesTheCatalogue() {
        #expect(EventName.catalogueName("CARD_ISSUED", for: .collection) == nil)
        #expect(EventName.catalogueName("BILLING_INVOICE_PAID", for: .collection) == nil)
        #expect(EventName.catalogueName("COLLECTION_RECEIVED", for: .collection) == "collection.received")
        #expect(EventName.catalogueName("PAYOUT_FAILED", for: .issuing) == nil)
        #expect(
            EventCatalogue.v320Events(for: .collection).map(\.name) == [
                "COLLECTION_RECEIVED", "COLLECTION_FAILED", "PAYOUT_COMPLETED", "PAYOUT_FAILED", "WEBHOOK_TEST",
                "WEBHOOK_ENDPOINT_FAILING", "WEBHOOK_ENDPOINT_DISABLED", "WEBHOOK_ENDPOINT_ENABLED",
                "WEBHOOK_DELIVERY_EXHAUSTED",
            ]
        )
        for name in ["Card_Issued", "card_issued", "card.issued", "CARD.ISSUED", "BILLING_INVOICE_OVERDUE"] {
            #expect(EventName.catalogueName(name, for: .issuing) == nil, "\(name)")
        }
    }
}
