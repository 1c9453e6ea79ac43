public import GRDB
public import HookdCore

// Identifiers are stored as the TEXT their columns hold, exactly their `rawValue`: GRDB's own conformance of a
// `RawRepresentable` over `String` binds and reads them.

extension AppID: DatabaseValueConvertible {}

extension DeliveryID: DatabaseValueConvertible {}

extension LeaseID: DatabaseValueConvertible {}

extension DispatcherID: DatabaseValueConvertible {}

extension TokenID: DatabaseValueConvertible {}

extension EventID: DatabaseValueConvertible {}

extension BusinessID: DatabaseValueConvertible {}

extension RequestID: DatabaseValueConvertible {}

extension EndpointID: DatabaseValueConvertible {}

extension TraceParent: DatabaseValueConvertible {}
