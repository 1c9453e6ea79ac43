import HookdCore

extension EndpointRoutes {
    /// The `ordering` a creation or a change sent (SPEC §15), `nil` when not sent; a value other than `NONE` or
    /// `KEYED` is a problem.
    static func ordering(in body: JSONObjectBody, _ problems: inout [APIError.FieldError]) -> EndpointOrdering? {
        guard let name = body.optionalString("ordering", &problems) else { return nil }
        guard let ordering = EndpointOrdering(rawValue: name) else {
            problems.append(.init(field: "ordering", message: "must be NONE or KEYED"))
            return nil
        }
        return ordering
    }
}
