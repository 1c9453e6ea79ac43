import HookdCore
import HookdVerify
import Hummingbird

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A member of a request body's top-level JSON object.
///
/// Scalars carry their value, and so do the scalars directly inside a member that is an array or an object (the
/// v3.20 `events` list and `headers` object). Anything nested deeper is checked as JSON but not built: it is
/// `.object([:])` or `.array([])` whatever it holds (`data` is taken as raw bytes), so no body can make the parser
/// recurse or build a deep value.
enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The members of the JSON object that is the whole of `bytes`.
    ///
    /// - Throws: ``JSONMembersError`` when `bytes` is not one JSON object, or names a member twice (at the top level
    ///   or inside a member that is an object).
    static func members(of bytes: [UInt8]) throws -> [String: JSONValue] {
        try members(of: bytes, compacting: nil).members
    }

    /// The members of the JSON object that is the whole of `bytes`, and one member that is an object rewritten by
    /// `CompactJSON` in the same pass (`data` on the publish path: its bytes are read once).
    ///
    /// - Parameters:
    ///   - compactedName: The member to rewrite, or `nil` for none.
    /// - Returns: The members, and the member's compact bytes (or why `CompactJSON` refuses them), `nil` when there is
    ///   no such member or it is not an object.
    /// - Throws: ``JSONMembersError`` when `bytes` is not one JSON object, or names a member twice (at the top level
    ///   or inside a member that is an object).
    static func members(
        of bytes: [UInt8],
        compacting compactedName: String?
    ) throws -> (members: [String: JSONValue], compacted: Result<[UInt8], CompactJSONError>?) {
        try bytes.withUnsafeBufferPointer { buffer in
            var cursor = JSONCursor(buffer)
            var compacted: Result<[UInt8], CompactJSONError>?
            // While the member to rewrite is being read (and nothing in it was refused yet), its writer.
            var writer: CompactJSON.Writer?
            var members: [String: JSONValue] = [:]
            var key = ""
            // The member being read when it is an array or an object: its elements or members so far.
            var elements: [JSONValue] = []
            var nestedMembers: [String: JSONValue] = [:]
            var nestedKey = ""
            var nestedIsArray = false
            func add(_ value: JSONValue, at depth: Int) throws {
                switch depth {
                case 1:
                    members[key] = value
                case 2 where nestedIsArray:
                    elements.append(value)
                case 2:
                    guard nestedMembers[nestedKey] == nil else {
                        throw JSONMembersError.duplicate("\(key).\(nestedKey)")
                    }
                    nestedMembers[nestedKey] = value
                default:
                    break
                }
            }
            do {
                while let token = try cursor.next() {
                    let depth = cursor.depth
                    if token.kind == .objectStart, depth == 2, key == compactedName {
                        writer = CompactJSON.Writer(origin: token.range.lowerBound, capacity: buffer.count)
                    }
                    if writer != nil {
                        do throws(CompactJSONError) {
                            try writer?.write(token, depth: depth - 1, from: buffer)
                            if depth == 1, let output = writer?.output { compacted = .success(output) }
                        } catch {
                            compacted = .failure(error)
                        }
                        if compacted != nil { writer = nil }
                    }
                    switch token.kind {
                    case .key where depth == 1:
                        key = JSONString.text(buffer[token.content], hasEscapes: token.hasEscapes)
                        guard members[key] == nil else { throw JSONMembersError.duplicate(key) }
                    case .key where depth == 2:
                        nestedKey = JSONString.text(buffer[token.content], hasEscapes: token.hasEscapes)
                    case .objectStart where depth == 2:
                        (nestedIsArray, nestedMembers) = (false, [:])
                    case .arrayStart where depth == 2:
                        (nestedIsArray, elements) = (true, [])
                    case .objectEnd where depth == 1:
                        members[key] = .object(nestedMembers)
                    case .arrayEnd where depth == 1:
                        members[key] = .array(elements)
                    case .objectStart where depth == 3:
                        try add(.object([:]), at: 2)
                    case .arrayStart where depth == 3:
                        try add(.array([]), at: 2)
                    case .string:
                        try add(
                            .string(JSONString.text(buffer[token.content], hasEscapes: token.hasEscapes)),
                            at: depth
                        )
                    case .number:
                        try add(
                            .number(Double(String(decoding: buffer[token.range], as: UTF8.self)) ?? .nan),
                            at: depth
                        )
                    case .literal:
                        let literal: JSONValue =
                            switch buffer[token.range.lowerBound] {
                            case UInt8(ascii: "t"): .bool(true)
                            case UInt8(ascii: "f"): .bool(false)
                            default: .null
                            }
                        try add(literal, at: depth)
                    default:
                        break
                    }
                }
            } catch let error as JSONSyntaxError {
                throw JSONMembersError.syntax(error)
            }
            return (members, compacted)
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
    /// The member `parse(_:allowed:compacting:)` was asked to rewrite, as `CompactJSON` rewrites it (or why it
    /// refuses it); `nil` when it was not asked, or the member is absent or not an object.
    let compacted: Result<[UInt8], CompactJSONError>?

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
    ///
    /// - Parameters:
    ///   - compactedName: A field that must be an object to rewrite compactly as it is read, into ``compacted``.
    static func parse(
        _ bytes: [UInt8],
        allowed: Set<String>,
        compacting compactedName: String? = nil
    ) throws -> JSONObjectBody {
        guard !bytes.isEmpty else {
            throw APIError.validation([], detail: "The request body must be a JSON object")
        }
        let fields: [String: JSONValue]
        let compacted: Result<[UInt8], CompactJSONError>?
        do {
            (fields, compacted) = try JSONValue.members(of: bytes, compacting: compactedName)
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
        return JSONObjectBody(fields: fields, compacted: compacted)
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

extension JSONObjectBody {
    /// An optional array of strings: absent gives `nil`.
    func stringArray(_ name: String, _ problems: inout [APIError.FieldError]) -> [String]? {
        switch value(name) {
        case nil:
            return nil
        case .array(let items)?:
            var strings: [String] = []
            for item in items {
                guard case .string(let text) = item else {
                    problems.append(.init(field: name, message: "must hold only strings, not \(item.typeName)"))
                    return nil
                }
                strings.append(text)
            }
            return strings
        case let other?:
            problems.append(.init(field: name, message: "must be an array of strings, not \(other.typeName)"))
            return nil
        }
    }

    /// An optional object whose members are strings: absent or `null` gives `nil`.
    func stringObject(_ name: String, _ problems: inout [APIError.FieldError]) -> [String: String]? {
        switch value(name) {
        case nil, .null?:
            return nil
        case .object(let members)?:
            var strings: [String: String] = [:]
            for (key, member) in members {
                guard case .string(let text) = member else {
                    problems.append(.init(field: name, message: "'\(key.prefix(64))' must be a string"))
                    return nil
                }
                strings[key] = text
            }
            return strings
        case let other?:
            problems.append(.init(field: name, message: "must be an object of strings, not \(other.typeName)"))
            return nil
        }
    }

    /// An optional whole number or `null`: absent gives `nil`, `null` gives `.some(nil)`.
    func nullableInteger(_ name: String, _ problems: inout [APIError.FieldError]) -> Int?? {
        switch value(name) {
        case nil:
            return nil
        case .null?:
            return .some(nil)
        case .number(let number)? where number.rounded() == number && abs(number) < 1e15:
            return .some(Int(number))
        case let other?:
            problems.append(.init(field: name, message: "must be a whole number or null, not \(other.typeName)"))
            return nil
        }
    }

    /// An optional boolean: absent gives `nil`.
    func optionalBool(_ name: String, _ problems: inout [APIError.FieldError]) -> Bool? {
        switch value(name) {
        case nil:
            return nil
        case .bool(let flag)?:
            return flag
        case let other?:
            problems.append(.init(field: name, message: "must be true or false, not \(other.typeName)"))
            return nil
        }
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
