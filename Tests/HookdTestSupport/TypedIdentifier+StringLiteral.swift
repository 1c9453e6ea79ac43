package import HookdCore

// Tests write identifiers as literals (`"dlv_1"`), the way they appear in requests and logs. Only tests: in the
// service an identifier comes from a generator or from text whose shape was checked.

extension TypedIdentifier {
    package init(stringLiteral value: String) {
        self.init(value)
    }
}

extension AppID: ExpressibleByStringLiteral {}

extension DeliveryID: ExpressibleByStringLiteral {}

extension LeaseID: ExpressibleByStringLiteral {}

extension DispatcherID: ExpressibleByStringLiteral {}

extension EndpointID: ExpressibleByStringLiteral {}

extension TokenID: ExpressibleByStringLiteral {}

extension EventID: ExpressibleByStringLiteral {}

extension BusinessID: ExpressibleByStringLiteral {}

extension RequestID: ExpressibleByStringLiteral {}
