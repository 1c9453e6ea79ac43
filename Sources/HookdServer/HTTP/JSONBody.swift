import Hummingbird

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A JSON value as parsed from a request body.
enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// How the value's type reads in an error message.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// The top-level JSON object of a request body, read field by field with errors that name the field.
///
/// Unknown fields are refused: a misspelt field would otherwise be silently ignored, which on a payments API
/// means a change the client believes was made and was not.
struct JSONObjectBody {
    private let fields: [String: JSONValue]

    /// Reads the request body (at most `limit` bytes) as a JSON object with only the `allowed` fields.
    ///
    /// - Throws: ``APIError`` `PAYLOAD_TOO_LARGE` over the limit, `VALIDATION_ERROR` for anything else wrong.
    static func read(_ request: Request, limit: Int, allowed: Set<String>) async throws -> JSONObjectBody {
        try parse(try await collect(request, limit: limit), allowed: allowed)
    }

    /// The request body, at most `limit` bytes. - Throws: `PAYLOAD_TOO_LARGE` over the limit.
    static func collect(_ request: Request, limit: Int) async throws -> [UInt8] {
        do {
            return Array(try await request.body.collect(upTo: limit).readableBytesView)
        } catch {
            throw APIError.payloadTooLarge(limit: limit)
        }
    }

    /// Parses `bytes` as a JSON object with only the `allowed` fields.
    static func parse(_ bytes: [UInt8], allowed: Set<String>) throws -> JSONObjectBody {
        guard !bytes.isEmpty else {
            throw APIError.validation([], detail: "The request body must be a JSON object")
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw APIError.validation([], detail: "The request body is not valid JSON")
        }
        guard case .object(let fields) = value else {
            throw APIError.validation([], detail: "The request body must be a JSON object")
        }
        let unknown = fields.keys.filter { !allowed.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw APIError.validation(unknown.map { .init(field: $0, message: "is not a known field") })
        }
        return JSONObjectBody(fields: fields)
    }

    /// A required string field; a problem is appended to `problems` and gives `nil`.
    func string(_ name: String, _ problems: inout [APIError.FieldError]) -> String? {
        switch fields[name] {
        case .string(let value):
            return value
        case nil:
            problems.append(.init(field: name, message: "is required"))
        case let other?:
            problems.append(.init(field: name, message: "must be a string, not \(other.typeName)"))
        }
        return nil
    }

    /// An optional string field: absent or `null` gives `nil`.
    func optionalString(_ name: String, _ problems: inout [APIError.FieldError]) -> String? {
        switch fields[name] {
        case .string(let value):
            return value
        case nil, .null?:
            return nil
        case let other?:
            problems.append(.init(field: name, message: "must be a string, not \(other.typeName)"))
            return nil
        }
    }

    /// The JSON type of a field, if present.
    func value(_ name: String) -> JSONValue? { fields[name] }

    /// A required field that is a string or `null`; `.some(nil)` is an explicit `null`.
    func nullableString(_ name: String, _ problems: inout [APIError.FieldError]) -> String?? {
        switch fields[name] {
        case .string(let value):
            return .some(value)
        case .null:
            return .some(nil)
        case nil:
            problems.append(.init(field: name, message: "is required"))
        case let other?:
            problems.append(.init(field: name, message: "must be a string or null, not \(other.typeName)"))
        }
        return nil
    }
}

extension [APIError.FieldError] {
    /// Throws `VALIDATION_ERROR` with every problem found, if there is any.
    func throwIfAny() throws {
        if !isEmpty { throw APIError.validation(self) }
    }
}
