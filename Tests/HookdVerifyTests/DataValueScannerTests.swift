import HookdVerify
import Testing

@Suite struct DataValueScannerTests {
    /// A body and the exact text of its top-level `data` value.
    struct Found: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let body: [UInt8]
        let data: String

        init(_ name: String, _ body: String, data: String) {
            self.testDescription = name
            self.body = Array(body.utf8)
            self.data = data
        }
    }

    static let found: [Found] = [
        Found(
            "compact envelope in spec order",
            #"{"event":"card.funded","version":"3.0","eventId":"e1","sign":"ab","data":{"cardId":"crd_1","amount":"25.00"}}"#,
            data: #"{"cardId":"crd_1","amount":"25.00"}"#
        ),
        Found(
            "pretty-printed envelope",
            "{\n  \"event\": \"card.funded\",\n  \"data\": {\n    \"cardId\": \"crd_1\",\n    \"tags\": [\n      1,\n      2\n    ]\n  },\n  \"sign\": \"ab\"\n}\n",
            data: "{\n    \"cardId\": \"crd_1\",\n    \"tags\": [\n      1,\n      2\n    ]\n  }"
        ),
        Found("data first", #"{"data":{"a":1},"event":"x","sign":"s"}"#, data: #"{"a":1}"#),
        Found("data last", #"{"event":"x","sign":"s","data":{"a":1}}"#, data: #"{"a":1}"#),
        Found("data alone", #"{"data":{"a":1}}"#, data: #"{"a":1}"#),
        Found("keys in another order", #"{"sign":"s","data":[true],"eventId":"e","event":"x"}"#, data: "[true]"),
        Found(
            "unicode in data",
            #"{"event":"x","data":{"merchant":"Café Zoë — 東京 🇨🇩","city":"Goma"}}"#,
            data: #"{"merchant":"Café Zoë — 東京 🇨🇩","city":"Goma"}"#
        ),
        Found(
            "escapes in data",
            #"{"data":{"a":"quote \" backslash \\ slash \/ \u00e9 \ud83d\ude00 \b\f\n\r\t end"},"z":1}"#,
            data: #"{"a":"quote \" backslash \\ slash \/ \u00e9 \ud83d\ude00 \b\f\n\r\t end"}"#
        ),
        Found(
            "braces and brackets inside strings in data",
            #"{"data":{"a":"}}]]{{[[","b":"\\"},"c":2}"#,
            data: #"{"a":"}}]]{{[[","b":"\\"}"#
        ),
        Found(
            "string ending in an escaped backslash before the data key",
            #"{"note":"ends with \\","data":7}"#,
            data: "7"
        ),
        Found(
            "nested data keys inside data",
            #"{"data":{"data":{"data":[{"data":1}]}},"x":0}"#,
            data: #"{"data":{"data":[{"data":1}]}}"#
        ),
        Found(
            "data key in a nested object before the real one",
            #"{"meta":{"data":"no","more":{"data":[0]}},"data":"yes"}"#,
            data: #""yes""#
        ),
        Found(
            "data key in an array of objects before the real one",
            #"{"list":[{"data":1},{"data":2}],"data":3}"#,
            data: "3"
        ),
        Found(
            "\"data\": inside a string value before the real key",
            #"{"note":"\"data\":{\"evil\":true}","data":{"good":true}}"#,
            data: #"{"good":true}"#
        ),
        Found("data key spelled with an escape", #"{"d\u0061ta":[1]}"#, data: "[1]"),
        Found("keys that only resemble data", #"{"Data":1,"data ":2,"dat":3,"datas":4,"data":5}"#, data: "5"),
        Found(
            "whitespace everywhere",
            "\n\t { \r\n \"event\" : \"x\" ,\n \"data\" \t : \n [ 1 , { \"k\" : null } ] \n } \n",
            data: "[ 1 , { \"k\" : null } ]"
        ),
        Found("data is an array", #"{"data":[1,"two",{"three":3},[4]]}"#, data: #"[1,"two",{"three":3},[4]]"#),
        Found("data is a string", #"{"data":"hello \"world\" {["}"#, data: #""hello \"world\" {[""#),
        Found("data is a number", #"{"data":-12.5e+3}"#, data: "-12.5e+3"),
        Found("data is zero", #"{"data":0}"#, data: "0"),
        Found("data is null", #"{"data":null}"#, data: "null"),
        Found("data is true", #"{"data":true}"#, data: "true"),
        Found("data is false", #"{"data":false}"#, data: "false"),
        Found("data is an empty object", #"{"data":{}}"#, data: "{}"),
        Found("data is an empty object with space", #"{"data":{ }}"#, data: "{ }"),
        Found("data is an empty array", #"{"data":[ ]}"#, data: "[ ]"),
        Found("empty keys and values around data", #"{"":"","data":"","x":{}}"#, data: #""""#),
    ]

    @Test(arguments: found)
    func findsExactDataBytes(_ example: Found) throws {
        let range = try DataValueScanner.rangeOfData(in: example.body)
        #expect(Array(example.body[range]).text == example.data)
    }

    @Test func findsOtherTopLevelKeys() throws {
        let body = Array(#"{"event":"card.funded","meta":{"sign":"decoy"},"sign":"abc","data":{"sign":"no"}}"#.utf8)
        let sign = try #require(try DataValueScanner.rangeOfValue(forKey: "sign", in: body))
        #expect(Array(body[sign]).text == #""abc""#)
        #expect(try DataValueScanner.rangeOfValue(forKey: "eventId", in: body) == nil)

        let ranges = try DataValueScanner.rangesOfValues(forKeys: ["event", "sign", "missing"], in: body)
        #expect(Set(ranges.keys) == ["event", "sign"])
        #expect(ranges["event"].map { Array(body[$0]).text } == #""card.funded""#)
    }

    @Test func rangesAreOffsetsFromTheStartOfASlice() throws {
        let whole = Array(#"xx{"data":[1]}"#.utf8)
        let slice = whole[2...]
        #expect(try DataValueScanner.rangeOfData(in: slice) == 8..<11)
    }

    @Test func scansCollectionsWithoutContiguousStorage() throws {
        let body = Array(#"{"a":"}","data":{"b":[1,2]}}"#.utf8)
        let lazy = body.lazy.map { $0 }
        #expect(try DataValueScanner.rangeOfData(in: lazy) == 16..<27)
    }

    // MARK: Size and depth

    @Test func tenThousandLevelsOfNestingInData() throws {
        let depth = 10_000
        let data = String(repeating: #"{"a":["#, count: depth) + "0" + String(repeating: "]}", count: depth)
        let body = Array(#"{"event":"x","data":\#(data),"sign":"s"}"#.utf8)
        let range = try DataValueScanner.rangeOfData(in: body)
        #expect(range == 20..<(20 + data.utf8.count))
    }

    @Test func hundredThousandLevelsOfArraysAfterData() throws {
        let depth = 100_000
        let body = Array(
            (#"{"data":1,"deep":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}")
                .utf8
        )
        #expect(try DataValueScanner.rangeOfData(in: body) == 8..<9)
    }

    @Test func oneMegabyteStrings() throws {
        let large = String(repeating: "a\\\"{}[]", count: 150_000)  // about 1 MB of content with escapes and brackets
        let body = Array(#"{"before":"\#(large)","data":"\#(large)","after":"\#(large)"}"#.utf8)
        #expect(body.count > 3_000_000)
        let range = try DataValueScanner.rangeOfData(in: body)
        #expect(range.count == large.utf8.count + 2)
        #expect(body[range].first == UInt8(ascii: "\""))
        #expect(body[range].last == UInt8(ascii: "\""))
    }

    @Test func oneMegabyteKeyWithEscapes() throws {
        let key = String(repeating: #"\u0064"#, count: 200_000)  // "dddd…": escaped, but not "data"
        let body = Array(#"{"\#(key)":1,"data":2}"#.utf8)
        #expect(try DataValueScanner.rangeOfData(in: body).count == 1)
    }

    // MARK: Hostile input

    /// A body the scanner must refuse, and the error it must refuse it with.
    struct Refused: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let body: [UInt8]
        let error: WebhookVerificationError

        init(_ name: String, _ body: [UInt8], _ error: WebhookVerificationError) {
            self.testDescription = name
            self.body = body
            self.error = error
        }

        init(_ name: String, _ body: String, _ error: WebhookVerificationError) {
            self.init(name, Array(body.utf8), error)
        }
    }

    static let refused: [Refused] = [
        Refused("empty input", "", .malformedBody(.unexpectedEnd, at: 0)),
        Refused("only whitespace", " \n\t", .malformedBody(.unexpectedEnd, at: 3)),
        Refused("top level is an array", #"[{"data":1}]"#, .malformedBody(.notAnObject, at: 0)),
        Refused("top level is a string", #""data""#, .malformedBody(.notAnObject, at: 0)),
        Refused("top level is a number", " 42", .malformedBody(.notAnObject, at: 1)),
        Refused("top level is null", "null", .malformedBody(.notAnObject, at: 0)),
        Refused("top level starts with a closing brace", "}", .malformedBody(.notAnObject, at: 0)),
        Refused(
            "byte order mark",
            [0xEF, 0xBB, 0xBF] + Array(#"{"data":1}"#.utf8),
            .malformedBody(.notAnObject, at: 0)
        ),
        Refused("only an opening brace", "{", .malformedBody(.unexpectedEnd, at: 1)),
        Refused("truncated in a key", #"{"da"#, .malformedBody(.unexpectedEnd, at: 4)),
        Refused("truncated after the colon", #"{"data":"#, .malformedBody(.unexpectedEnd, at: 8)),
        Refused("truncated in a string value", #"{"data":"abc"#, .malformedBody(.unexpectedEnd, at: 12)),
        Refused("truncated in an escape", #"{"data":"ab\"#, .malformedBody(.unexpectedEnd, at: 12)),
        Refused("truncated in a unicode escape", #"{"data":"\u00"#, .malformedBody(.unexpectedEnd, at: 13)),
        Refused("truncated in a number", #"{"data":12"#, .malformedBody(.unexpectedEnd, at: 10)),
        Refused("truncated in a literal", #"{"data":tr"#, .malformedBody(.unexpectedEnd, at: 10)),
        Refused("truncated after a value", #"{"data":{"a":1}"#, .malformedBody(.unexpectedEnd, at: 15)),
        Refused(
            "truncated in a multi-byte character",
            [UInt8](#"{"data":""#.utf8) + [0xE6, 0x9D],
            .malformedBody(.unexpectedEnd, at: 11)
        ),
        Refused("an extra closing brace", #"{"data":{"a":1}}}"#, .malformedBody(.unexpectedCharacter, at: 16)),
        Refused("an unclosed nested object", #"{"data":{"a":{"b":1}}"#, .malformedBody(.unexpectedEnd, at: 21)),
        Refused("mismatched brackets", #"{"data":[1}"#, .malformedBody(.unexpectedCharacter, at: 10)),
        Refused("mismatched braces", #"{"data":{"a":1]}"#, .malformedBody(.unexpectedCharacter, at: 14)),
        Refused("trailing comma in the object", #"{"data":1,}"#, .malformedBody(.unexpectedCharacter, at: 10)),
        Refused("trailing comma in an array", #"{"data":[1,]}"#, .malformedBody(.unexpectedCharacter, at: 11)),
        Refused("missing comma", #"{"data":1 "x":2}"#, .malformedBody(.unexpectedCharacter, at: 10)),
        Refused("missing colon", #"{"data" 1}"#, .malformedBody(.unexpectedCharacter, at: 8)),
        Refused("unquoted key", #"{data:1}"#, .malformedBody(.unexpectedCharacter, at: 1)),
        Refused("single-quoted string", #"{"data":'a'}"#, .malformedBody(.unexpectedCharacter, at: 8)),
        Refused("bad literal", #"{"data":tru}"#, .malformedBody(.unexpectedCharacter, at: 11)),
        Refused("leading zero", #"{"data":01}"#, .malformedBody(.unexpectedCharacter, at: 9)),
        Refused("lone minus", #"{"data":-}"#, .malformedBody(.invalidNumber, at: 9)),
        Refused("no digits after the point", #"{"data":1.}"#, .malformedBody(.invalidNumber, at: 10)),
        Refused("no digits in the exponent", #"{"data":1e+}"#, .malformedBody(.invalidNumber, at: 11)),
        Refused("leading point", #"{"data":.5}"#, .malformedBody(.unexpectedCharacter, at: 8)),
        Refused("unknown escape", #"{"data":"a\qb"}"#, .malformedBody(.invalidString, at: 10)),
        Refused("short unicode escape", #"{"data":"\u12"}"#, .malformedBody(.invalidString, at: 9)),
        Refused(
            "raw control character",
            [UInt8](#"{"data":"a"#.utf8) + [0x01] + Array(#""}"#.utf8),
            .malformedBody(.invalidString, at: 10)
        ),
        Refused("raw newline in a string", "{\"data\":\"a\nb\"}", .malformedBody(.invalidString, at: 10)),
        Refused("invalid UTF-8 byte", stringData([0xFF]), .malformedBody(.invalidUTF8, at: 9)),
        Refused("overlong encoding of a quote", stringData([0xC0, 0xA2]), .malformedBody(.invalidUTF8, at: 9)),
        Refused("encoded surrogate", stringData([0xED, 0xA0, 0x80]), .malformedBody(.invalidUTF8, at: 9)),
        Refused(
            "non-ASCII byte outside a string",
            [UInt8](#"{"data":1"#.utf8) + [0xC2, 0xA0] + [UInt8(ascii: "}")],
            .malformedBody(.unexpectedCharacter, at: 9)
        ),
        Refused("data after the object", #"{"data":1} {"data":2}"#, .malformedBody(.unexpectedCharacter, at: 11)),
        Refused(
            "NUL after the object",
            [UInt8](#"{"data":1}"#.utf8) + [0],
            .malformedBody(.unexpectedCharacter, at: 10)
        ),
        Refused("no data key", #"{"event":"x","sign":"s"}"#, .missingBodyKey("data")),
        Refused("empty object", "{}", .missingBodyKey("data")),
        Refused("data only in a nested object", #"{"x":{"data":1}}"#, .missingBodyKey("data")),
        Refused("data only inside a string", #"{"x":"\"data\":1"}"#, .missingBodyKey("data")),
        Refused("duplicate data key", #"{"data":1,"data":2}"#, .duplicateBodyKey("data", at: 10)),
        Refused(
            "duplicate data key, second escaped",
            #"{"data":{},"d\u0061ta":{}}"#,
            .duplicateBodyKey("data", at: 11)
        ),
        Refused(
            "unbalanced after 10,000 levels",
            "{\"data\":" + String(repeating: "[", count: 10_000),
            .malformedBody(.unexpectedEnd, at: 10_008)
        ),
        Refused(
            "mismatched after 10,000 levels",
            "{\"data\":" + String(repeating: "[", count: 10_000) + "}",
            .malformedBody(.unexpectedCharacter, at: 10_008)
        ),
        Refused(
            "unterminated 1 MB string",
            "{\"data\":\"" + String(repeating: "x", count: 1 << 20),
            .malformedBody(.unexpectedEnd, at: 9 + (1 << 20))
        ),
    ]

    @Test(arguments: refused)
    func refusesHostileInput(_ example: Refused) {
        #expect(throws: example.error) {
            try DataValueScanner.rangeOfData(in: example.body)
        }
    }

    @Test func duplicateOfAnotherKeyIsOnlyRefusedWhenAskedFor() throws {
        let body = Array(#"{"sign":"a","sign":"b","data":1}"#.utf8)
        #expect(try DataValueScanner.rangeOfData(in: body) == 30..<31)
        #expect(throws: WebhookVerificationError.duplicateBodyKey("sign", at: 12)) {
            try DataValueScanner.rangeOfValue(forKey: "sign", in: body)
        }
    }

    @Test func errorDescriptionsGivePositionsNotContent() {
        let body = Array(#"{"data":"secret-looking-content"#.utf8)
        do {
            _ = try DataValueScanner.rangeOfData(in: body)
            Issue.record("a truncated body was accepted")
        } catch {
            #expect(
                error.description == "malformed body: unexpected end of input (truncated JSON) at byte \(body.count)"
            )
            #expect(!error.description.contains("secret-looking-content"))
        }
    }
}

/// A body whose `data` is a string of `bytes`: `{"data":"…"}`.
private func stringData(_ bytes: [UInt8]) -> [UInt8] {
    Array(#"{"data":""#.utf8) + bytes + Array(#""}"#.utf8)
}
