/// The spellings of an event name: the v3 dot form (`card.created`), the v3.20 form (`CARD_ISSUED`), and the v3 name
/// upper-cased (`CARD_CREATED`), which hookd took as the v3.20 name before it had Fyatu's catalogue.
public enum EventName {
    /// A v3 name upper-cased, dots as underscores (`card.transaction.approved` is `CARD_TRANSACTION_APPROVED`): the
    /// v3.20 spelling hookd used before SPEC §11.1, still accepted on input.
    public static func uppercasedForm(_ dotName: String) -> String {
        String(dotName.uppercased().map { $0 == "." ? "_" : $0 })
    }

    /// The name a v3.20 endpoint receives for the event stored as `storedName` (`card.created` is `CARD_ISSUED`).
    ///
    /// A name outside the catalogue (one stored by an older hookd and since removed) is upper-cased, as it was then.
    public static func v320Name(_ storedName: String) -> String {
        byStoredName[storedName]?.name ?? uppercasedForm(storedName)
    }

    /// The name hookd stores `input` under, given in any of its spellings (v3, v3.20, or the old upper-cased v3
    /// name), or `nil` when an app of `type` has no such event. See ``EventCatalogue/V320Event/storedName``.
    ///
    /// Only the exact names are accepted: `Card.Funded` and `card_funded` are not names of anything.
    public static func catalogueName(_ input: String, for type: AppType) -> String? {
        EventCatalogue.v320Events(for: type).first { event in
            event.name == input || event.v3Name.map { $0 == input || uppercasedForm($0) == input } == true
        }?.storedName
    }

    private static let byStoredName: [String: EventCatalogue.V320Event] = Dictionary(
        AppType.allCases.flatMap { EventCatalogue.v320Events(for: $0) }.map { ($0.storedName, $0) },
        uniquingKeysWith: { first, _ in first }
    )
}
