public import HookdCore
public import PostgresNIO

// Identifiers travel as the `text` their columns hold, exactly their `rawValue`; an array of them as `text[]`. The
// encoding is `String`'s own.
//
// The members are written here, on `TypedIdentifier`, because PostgresNIO offers two defaults for an identifier
// (one for any `RawRepresentable`, one for any `Codable`, as JSON) and the compiler would not choose between them.

extension AppID: PostgresNonThrowingEncodable, PostgresDecodable, PostgresArrayEncodable, PostgresArrayDecodable {}

extension DeliveryID: PostgresNonThrowingEncodable, PostgresDecodable, PostgresArrayEncodable, PostgresArrayDecodable {}

extension LeaseID: PostgresNonThrowingEncodable, PostgresDecodable, PostgresArrayEncodable, PostgresArrayDecodable {}

extension DispatcherID: PostgresNonThrowingEncodable, PostgresDecodable {}

extension TokenID: PostgresNonThrowingEncodable, PostgresDecodable {}

extension BusinessID: PostgresNonThrowingEncodable, PostgresDecodable {}

extension RequestID: PostgresNonThrowingEncodable, PostgresDecodable {}

extension EventID: PostgresNonThrowingEncodable, PostgresDecodable, PostgresArrayEncodable, PostgresArrayDecodable {}

extension EndpointID: PostgresNonThrowingEncodable, PostgresDecodable, PostgresArrayEncodable, PostgresArrayDecodable {}

extension TraceParent: PostgresNonThrowingEncodable, PostgresDecodable, PostgresArrayEncodable {}

extension PostgresNonThrowingEncodable where Self: TypedIdentifier {
    public static var psqlType: PostgresDataType { String.psqlType }
    public static var psqlFormat: PostgresFormat { String.psqlFormat }

    public func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer,
        context: PostgresEncodingContext<JSONEncoder>
    ) {
        rawValue.encode(into: &byteBuffer, context: context)
    }
}

extension PostgresArrayEncodable where Self: TypedIdentifier {
    public static var psqlArrayType: PostgresDataType { String.psqlArrayType }
}

extension PostgresDecodable where Self: TypedIdentifier {
    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer,
        type: PostgresDataType,
        format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        self.init(try String(from: &buffer, type: type, format: format, context: context))
    }
}
