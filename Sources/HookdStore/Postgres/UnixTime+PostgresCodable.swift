public import HookdCore
public import PostgresNIO

// Instants travel as the `bigint` (int8) their columns hold, in the unit of their type: a column of Unix milliseconds
// binds and reads a ``UnixMillis``, one of Unix seconds a ``UnixSeconds``. The encoding is `Int64`'s own.

extension UnixMillis: PostgresNonThrowingEncodable, PostgresDecodable, PostgresArrayEncodable, PostgresArrayDecodable {
    public static var psqlArrayType: PostgresDataType { Int64.psqlArrayType }
}

extension UnixSeconds: PostgresNonThrowingEncodable, PostgresDecodable {}

extension UnixInstant where Self: PostgresNonThrowingEncodable {
    public static var psqlType: PostgresDataType { Int64.psqlType }
    public static var psqlFormat: PostgresFormat { Int64.psqlFormat }

    public func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer,
        context: PostgresEncodingContext<JSONEncoder>
    ) {
        rawValue.encode(into: &byteBuffer, context: context)
    }
}

extension UnixInstant where Self: PostgresDecodable {
    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer,
        type: PostgresDataType,
        format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        self.init(try Int64(from: &buffer, type: type, format: format, context: context))
    }
}
