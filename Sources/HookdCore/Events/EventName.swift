/// The two spellings of an event name: the v3 dot form (`card.funded`) and the v3.20 form (`CARD_FUNDED`).
public enum EventName {
    /// The v3.20 spelling of a catalogue name: upper case, dots as underscores (`card.transaction.approved` is
    /// `CARD_TRANSACTION_APPROVED`).
    public static func uppercased(_ dotName: String) -> String {
        String(dotName.uppercased().map { $0 == "." ? "_" : $0 })
    }

    /// The catalogue's dot name for `input` given in either spelling, or `nil` when an app of `type` has no such
    /// event.
    ///
    /// Only the exact catalogue name or its exact v3.20 spelling is accepted: `Card.Funded` and `card_funded` are
    /// not names of anything.
    public static func catalogueName(_ input: String, for type: AppType) -> String? {
        EventCatalogue.subscribableEvents(for: type).first { entry in
            entry.name == input || uppercased(entry.name) == input
        }?.name
    }
}
