/// A JSON value to write, with object keys kept in the order given.
///
/// The API's envelope and the delivery body have a fixed key order (SPEC §1, §5.1), which `JSONEncoder` does not
/// promise; this type writes exactly what it holds: compact, `/` and non-ASCII characters unescaped.
public indirect enum JSONOutput: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([JSONOutput])
    case object([(String, JSONOutput)])
    /// Bytes that are already compact JSON, written as they are (the stored `data` of an event).
    case raw([UInt8])
    /// An instant, written as an ISO 8601 string in the ``TimestampStyle`` the writer is asked for.
    case timestamp(UnixSeconds)

    /// How ``timestamp(_:)`` values are written: the v3 API's `+00:00` (``Timestamp/iso8601(_:)``), or the `Z` of
    /// Fyatu's v3.20 multi-endpoint pages (``Timestamp/iso8601Zulu(_:)``).
    public enum TimestampStyle: Sendable {
        case offset
        case zulu
    }

    public static func == (lhs: JSONOutput, rhs: JSONOutput) -> Bool {
        lhs.bytes == rhs.bytes
    }

    /// A timestamp, or `null` when `instant` is `nil`.
    public static func timestamp(_ instant: UnixSeconds?) -> JSONOutput {
        instant.map(JSONOutput.timestamp) ?? .null
    }

    /// A string, or `null` when `value` is `nil`.
    public static func string(_ value: String?) -> JSONOutput {
        value.map(JSONOutput.string) ?? .null
    }

    /// The compact UTF-8 encoding, timestamps written with `+00:00`.
    public var bytes: [UInt8] { bytes(timestamps: .offset) }

    /// The compact UTF-8 encoding, timestamps written in `style`.
    public func bytes(timestamps style: TimestampStyle) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(into: &output, timestamps: style)
        return output
    }

    /// Appends the compact UTF-8 encoding to `output`.
    public func write(into output: inout [UInt8], timestamps style: TimestampStyle = .offset) {
        switch self {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let value):
            output.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value):
            output.append(contentsOf: String(value).utf8)
        case .string(let value):
            Self.writeString(value, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                element.write(into: &output, timestamps: style)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.writeString(key, into: &output)
                output.append(UInt8(ascii: ":"))
                value.write(into: &output, timestamps: style)
            }
            output.append(UInt8(ascii: "}"))
        case .raw(let bytes):
            output.append(contentsOf: bytes)
        case .timestamp(let instant):
            Self.writeString(
                style == .zulu ? Timestamp.iso8601Zulu(instant) : Timestamp.iso8601(instant),
                into: &output
            )
        }
    }

    /// Writes a JSON string: quotes, backslashes and control characters escaped, everything else as UTF-8.
    public static func writeString(_ value: String, into output: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        output.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x00..<0x20:
                output.append(contentsOf: Array("\\u00".utf8))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

/// A value the API can write as JSON, keys in a fixed order.
public protocol JSONRepresentable {
    /// The value as JSON.
    var json: JSONOutput { get }
}
