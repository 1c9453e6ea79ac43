/// The custom request headers an endpoint sends with every delivery (SPEC §11 `headers`): at most
/// ``maximumCount``, none of hookd's own names and no hop-by-hop name.
///
/// Names are HTTP tokens compared without regard to case; values are visible ASCII, spaces and tabs, so that no
/// value can end a header line. The fields are kept sorted by lower-cased name, so storing and comparing them is
/// stable whatever order a JSON object had.
public struct EndpointHeaders: Sendable, Equatable {
    /// One header.
    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    /// At most this many headers per endpoint.
    public static let maximumCount = 10
    /// The longest name accepted, in bytes.
    public static let maximumNameLength = 64
    /// The longest value accepted, in bytes.
    public static let maximumValueLength = 1_024

    /// Headers hookd writes itself, and hop-by-hop headers that belong to one connection, not to the request.
    static let reservedNames: Set<String> = [
        "host", "content-type", "content-length", "user-agent", "connection", "keep-alive", "proxy-authenticate",
        "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "expect",
    ]
    /// Prefixes of hookd's signature and event headers.
    static let reservedPrefixes = ["x-fyatu-", "webhook-"]

    /// The headers, sorted by lower-cased name.
    public let fields: [Field]

    /// No custom header.
    public static let none = EndpointHeaders(checked: [])

    private init(checked fields: [Field]) {
        self.fields = fields
    }

    /// Checks headers given by an app.
    ///
    /// - Throws: ``EndpointFieldError`` for the `headers` field naming the first rule broken.
    public init(validating headers: [String: String]) throws(EndpointFieldError) {
        guard headers.count <= Self.maximumCount else {
            throw EndpointFieldError(field: "headers", "at most \(Self.maximumCount) headers are allowed")
        }
        var seen = Set<String>()
        var fields: [Field] = []
        for (name, value) in headers {
            let lowered = name.lowercased()
            guard !name.isEmpty, name.utf8.count <= Self.maximumNameLength, name.utf8.allSatisfy(Self.isTokenByte)
            else {
                throw EndpointFieldError(
                    field: "headers",
                    "'\(Self.printable(name))' is not a header name (letters, digits and !#$%&'*+-.^_`|~, at most "
                        + "\(Self.maximumNameLength))"
                )
            }
            guard !Self.reservedNames.contains(lowered), !Self.reservedPrefixes.contains(where: lowered.hasPrefix)
            else {
                throw EndpointFieldError(field: "headers", "'\(name)' is set by hookd and cannot be overridden")
            }
            guard seen.insert(lowered).inserted else {
                throw EndpointFieldError(field: "headers", "'\(name)' is given twice")
            }
            guard value.utf8.count <= Self.maximumValueLength, value.utf8.allSatisfy(Self.isValueByte) else {
                throw EndpointFieldError(
                    field: "headers",
                    "the value of '\(name)' must be printable ASCII, at most \(Self.maximumValueLength) bytes"
                )
            }
            fields.append(Field(name: name, value: value))
        }
        self.init(checked: fields.sorted { $0.name.lowercased() < $1.name.lowercased() })
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default: Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    private static func isValueByte(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\t") || (0x20...0x7E).contains(byte)
    }

    /// A name as it may be quoted back: control characters and non-ASCII replaced, at most 64 characters.
    private static func printable(_ name: String) -> String {
        String(
            String.UnicodeScalarView(name.unicodeScalars.prefix(64).map { $0.isASCII && $0.value >= 0x20 ? $0 : "?" })
        )
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension EndpointHeaders {
    /// The headers as the stores keep them: a compact JSON object.
    public var storedJSON: String {
        String(decoding: JSONOutput.object(fields.map { ($0.name, .string($0.value)) }).bytes, as: UTF8.self)
    }

    /// Reads headers the stores kept (checked again, so a value written by hand cannot smuggle a reserved name).
    ///
    /// - Throws: ``EndpointFieldError`` when the JSON is not an object of strings or breaks a rule.
    public init(storedJSON: String) throws(EndpointFieldError) {
        // Most endpoints have none, and every claimed delivery reads its endpoint's: no JSON decoder for those.
        if storedJSON == "{}" {
            self = .none
            return
        }
        let object: [String: String]
        do {
            object = try JSONDecoder().decode([String: String].self, from: Data(storedJSON.utf8))
        } catch {
            throw EndpointFieldError(field: "headers", "the stored headers are not a JSON object of strings")
        }
        try self.init(validating: object)
    }
}
