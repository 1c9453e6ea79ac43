import HookdCore

/// The `data` of an answer that only confirms an action: one member set to `true` (`{"revoked": true}`,
/// `{"loggedOut": true}`).
struct DoneData: JSONRepresentable {
    /// The member's name: what was done.
    let member: String

    var json: JSONOutput { .object([(member, .bool(true))]) }
}
