import HookdVerify
import Hummingbird

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A member of a request body's top-level JSON object.
///
/// Scalars carry their value. A nested object or array is checked as JSON but not built (nothing reads inside
/// one: `data` is taken as raw bytes), so it is `.object([:])` or `.array([])` whatever it holds, and no body can
/// make the parser recurse or build a deep value.
enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The members of the JSON object that is the whole of `bytes`.
    ///
    /// - Throws: ``JSONMembersError`` when `bytes` is not one JSON object, or names a member twice.
    static func members(of bytes: [UInt8]) throws -> [String: JSONValue] {
        try bytes.withUnsafeBufferPointer { buffer in
            var cursor = JSONCursor(buffer)
            var members: [String: JSONValue] = [:]
            var key: String?
            do {
                while let token = try cursor.next() {
                    let depth = cursor.depth
                    switch token.kind {
                    case .key where depth == 1:
                        let name = JSONString.text(buffer[token.content], hasEscapes: token.hasEscapes)
                        guard members[name] == nil else { throw JSONMembersError.duplicate(name) }
                        key = name
                    case .objectStart where depth == 2:
                        members[key ?? ""] = .object([:])
                    case .arrayStart where depth == 2:
                        members[key ?? ""] = .array([])
                    case .string where depth == 1:
                        members[key ?? ""] = .string(
                            JSONString.text(buffer[token.content], hasEscapes: token.hasEscapes)
                        )
                    case .number where depth == 1:
                        let text = String(decoding: buffer[token.range], as: UTF8.self)
                        members[key ?? ""] = .number(Double(text) ?? .nan)
                    case .literal where depth == 1:
                        switch buffer[token.range.lowerBound] {
                        case UInt8(ascii: "t"): members[key ?? ""] = .bool(true)
                        case UInt8(ascii: "f"): members[key ?? ""] = .bool(false)
                        default: members[key ?? ""] = .null
                        }
                    default:
                        break
                    }
                }
            } catch let error as JSONSyntaxError {
                throw JSONMembersError.syntax(error)
            }
            return members
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
        let fields: [String: JSONValue]
        do {
            fields = try JSONValue.members(of: bytes)
        } catch JSONMembersError.duplicate(let name) {
            throw APIError.validation([.init(field: name, message: "appears more than once")])
        } catch JSONMembersError.syntax(let error) where error.issue == .notAnObject {
            throw APIError.validation([], detail: "The request body must be a JSON object")
        } catch {
            throw APIError.validation([], detail: "The request body is not valid JSON")
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

/// Why a request body is not a JSON object hookd can read.
enum JSONMembersError: Error {
    /// Not JSON, or not an object.
    case syntax(JSONSyntaxError)
    /// The object names this member twice.
    case duplicate(String)
}
