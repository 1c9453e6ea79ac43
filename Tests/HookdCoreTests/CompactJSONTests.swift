import Foundation
import HookdCore
import Testing

@Suite struct CompactJSONTests {
    /// An input and what it must come to: the exact bytes it normalises to (``ValidCase``), or the exact error
    /// (``InvalidCase``).
    struct Case<Expected: Sendable>: Sendable, CustomTestStringConvertible {
        let name: String
        let input: [UInt8]
        let expected: Expected

        init(_ name: String, _ input: String, _ expected: Expected) {
            self.init(name, Array(input.utf8), expected)
        }

        init(_ name: String, _ input: [UInt8], _ expected: Expected) {
            self.name = name
            self.input = input
            self.expected = expected
        }

        var testDescription: String { name }
    }

    typealias ValidCase = Case<String>
    typealias InvalidCase = Case<CompactJSONError>

    static let validCases: [ValidCase] = [
        ValidCase(
            "pretty-printed",
            """
            {
              "id": "crd_01",
              "amount": {
                "value": 1250,
                "currency": "USD"
              },
              "tags": [
                "a",
                "b"
              ],
              "active": true,
              "closedAt": null
            }
            """,
            #"{"id":"crd_01","amount":{"value":1250,"currency":"USD"},"tags":["a","b"],"active":true,"closedAt":null}"#
        ),
        ValidCase(
            "whitespace everywhere",
            " \t\r\n{\n\t\"a\"\r\n:\t[ 1 ,\n2 , { } ,[ ] ]\r\n, \"b\" :\"x y\"\t} \n\r\t",
            #"{"a":[1,2,{},[]],"b":"x y"}"#
        ),
        ValidCase(
            "numbers verbatim",
            #"{"a": 1.50, "b": 1e5, "c": -0, "d": 12345678901234567890123, "e": 1E-7, "f": 0.0, "g": -12.5e+10}"#,
            #"{"a":1.50,"b":1e5,"c":-0,"d":12345678901234567890123,"e":1E-7,"f":0.0,"g":-12.5e+10}"#
        ),
        ValidCase(
            "more numbers verbatim",
            #"{"a":[0, -0.0, 1E+00, 100, 0.000001, -1.0e-0, 9007199254740993]}"#,
            #"{"a":[0,-0.0,1E+00,100,0.000001,-1.0e-0,9007199254740993]}"#
        ),
        ValidCase("escaped solidus", #"{"url":"https:\/\/x.io\/a/b"}"#, #"{"url":"https://x.io/a/b"}"#),
        ValidCase("\\u00e9", #"{"e":"caf\u00e9","E":"caf\u00E9"}"#, #"{"e":"café","E":"café"}"#),
        ValidCase("surrogate pair", #"{"s":"\ud83d\ude00","S":"\uD83D\uDE00"}"#, #"{"s":"😀","S":"😀"}"#),
        ValidCase("\\u0001 stays escaped", #"{"c":"\u0001"}"#, #"{"c":"\u0001"}"#),
        ValidCase("\\u001F lowercased", #"{"c":"\u001F"}"#, #"{"c":"\u001f"}"#),
        ValidCase("\\u0000", #"{"c":"a\u0000b"}"#, #"{"c":"a\u0000b"}"#),
        ValidCase("short escapes kept", #"{"q":"\"\\\b\f\n\r\t"}"#, #"{"q":"\"\\\b\f\n\r\t"}"#),
        ValidCase(
            "\\u escapes of characters with short escapes",
            #"{"q":"\u0022\u005c\u000a\u000D\u0009\u0008\u000c"}"#,
            #"{"q":"\"\\\n\r\t\b\f"}"#
        ),
        ValidCase("unnecessary \\u escapes decoded", #"{"q":"\u0041\u002F\u007f"}"#, "{\"q\":\"A/\u{7F}\"}"),
        ValidCase("raw unicode untouched", "{\"név\":\"Zoë 😀 日本 / \u{7F}\"}", "{\"név\":\"Zoë 😀 日本 / \u{7F}\"}"),
        ValidCase(
            "raw 4-byte and boundary scalars",
            "{\"k\":\"\u{80}\u{7FF}\u{800}\u{D7FF}\u{E000}\u{FFFD}\u{FFFF}\u{10000}\u{10FFFF}\"}",
            "{\"k\":\"\u{80}\u{7FF}\u{800}\u{D7FF}\u{E000}\u{FFFD}\u{FFFF}\u{10000}\u{10FFFF}\"}"
        ),
        ValidCase("escaped key", #"{"a\nb\u00e9":1}"#, #"{"a\nbé":1}"#),
        ValidCase("empty object", "{}", "{}"),
        ValidCase("empty object with spaces", "  {  \n }  ", "{}"),
        ValidCase("empty key and string", #"{"":""}"#, #"{"":""}"#),
        ValidCase("nested arrays", #"{"a":[[],[[]],[{}],[1,[2,[3]]]]}"#, #"{"a":[[],[[]],[{}],[1,[2,[3]]]]}"#),
        ValidCase(
            "key order preserved",
            #"{"z":1,"a":2,"m":3,"b":{"y":1,"x":2}}"#,
            #"{"z":1,"a":2,"m":3,"b":{"y":1,"x":2}}"#
        ),
        ValidCase(
            "one key in different objects",
            #"{"a":{"a":1},"b":[{"a":1},{"a":2}],"A":0}"#,
            #"{"a":{"a":1},"b":[{"a":1},{"a":2}],"A":0}"#
        ),
        ValidCase(
            "literals",
            #"{"t":true,"f":false,"n":null,"l":[true,false,null]}"#,
            #"{"t":true,"f":false,"n":null,"l":[true,false,null]}"#
        ),
    ]

    @Test(arguments: validCases)
    func validInputIsRewrittenExactly(_ testCase: ValidCase) throws {
        let output = try CompactJSON.normalizeObject(testCase.input)
        #expect(String(decoding: output, as: UTF8.self) == testCase.expected)
    }

    @Test(arguments: validCases)
    func normalisingTheOutputAgainChangesNothing(_ testCase: ValidCase) throws {
        let once = try CompactJSON.normalizeObject(testCase.input)
        #expect(try CompactJSON.normalizeObject(once) == once)
    }

    @Test(arguments: validCases)
    func foundationReadsTheSameObjectFromInputAndOutput(_ testCase: ValidCase) throws {
        let output = try CompactJSON.normalizeObject(testCase.input)
        let original = try JSONSerialization.jsonObject(with: Data(testCase.input))
        let rewritten = try JSONSerialization.jsonObject(with: Data(output))
        #expect(rewritten is [String: Any])
        #expect(try Self.canonical(rewritten) == Self.canonical(original))
    }

    /// The object re-serialised by Foundation with sorted keys, to compare two parses.
    private static func canonical(_ object: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed])
    }

    @Test func numbersOutsideDoubleRangeAreCopiedAsWritten() throws {
        let input = #"{"big": 1e400, "tiny": -1E-400, "long": 3.14159265358979323846264338327950288419716939937510}"#
        let output = try CompactJSON.normalizeObject(Array(input.utf8))
        #expect(
            String(decoding: output, as: UTF8.self)
                == #"{"big":1e400,"tiny":-1E-400,"long":3.14159265358979323846264338327950288419716939937510}"#
        )
    }

    static let invalidCases: [InvalidCase] = [
        InvalidCase("empty input", "", .invalidJSON(offset: 0, reason: .unexpectedEnd)),
        InvalidCase("whitespace only", " \n\t", .invalidJSON(offset: 3, reason: .unexpectedEnd)),
        InvalidCase("truncated after a value", #"{"a":1"#, .invalidJSON(offset: 6, reason: .unexpectedEnd)),
        InvalidCase("truncated in a string", #"{"a":"b"#, .invalidJSON(offset: 7, reason: .unexpectedEnd)),
        InvalidCase("truncated after a key", #"{"a""#, .invalidJSON(offset: 4, reason: .unexpectedEnd)),
        InvalidCase("truncated in a literal", #"{"a":nul"#, .invalidJSON(offset: 8, reason: .unexpectedEnd)),
        InvalidCase("truncated in an escape", #"{"a":"\u00"#, .invalidJSON(offset: 10, reason: .unexpectedEnd)),
        InvalidCase("only an opening brace", "{", .invalidJSON(offset: 1, reason: .unexpectedEnd)),
        InvalidCase("trailing comma in an object", #"{"a":1,}"#, .invalidJSON(offset: 7, reason: .expectedKey)),
        InvalidCase("trailing comma in an array", #"{"a":[1,]}"#, .invalidJSON(offset: 8, reason: .expectedValue)),
        InvalidCase("leading comma", #"{,"a":1}"#, .invalidJSON(offset: 1, reason: .expectedKey)),
        InvalidCase("trailing garbage", #"{"a":1}x"#, .invalidJSON(offset: 7, reason: .trailingData)),
        InvalidCase("two objects", "{} {}", .invalidJSON(offset: 3, reason: .trailingData)),
        InvalidCase("extra closing brace", #"{"a":1}}"#, .invalidJSON(offset: 7, reason: .trailingData)),
        InvalidCase("single-quoted key", "{'a':1}", .invalidJSON(offset: 1, reason: .expectedKey)),
        InvalidCase("single-quoted value", #"{"a":'b'}"#, .invalidJSON(offset: 5, reason: .expectedValue)),
        InvalidCase("unquoted key", "{a:1}", .invalidJSON(offset: 1, reason: .expectedKey)),
        InvalidCase("missing colon", #"{"a" 1}"#, .invalidJSON(offset: 5, reason: .expectedColon)),
        InvalidCase("missing comma", #"{"a":1 "b":2}"#, .invalidJSON(offset: 7, reason: .expectedCommaOrEnd)),
        InvalidCase("mismatched bracket", #"{"a":[1}"#, .invalidJSON(offset: 7, reason: .expectedCommaOrEnd)),
        InvalidCase("comment", #"{"a":1 /*x*/}"#, .invalidJSON(offset: 7, reason: .expectedCommaOrEnd)),
        InvalidCase("leading zero", #"{"a":01}"#, .invalidJSON(offset: 6, reason: .invalidNumber)),
        InvalidCase("negative leading zero", #"{"a":-01}"#, .invalidJSON(offset: 7, reason: .invalidNumber)),
        InvalidCase("plus sign", #"{"a":+1}"#, .invalidJSON(offset: 5, reason: .expectedValue)),
        InvalidCase("no integer part", #"{"a":.5}"#, .invalidJSON(offset: 5, reason: .expectedValue)),
        InvalidCase("no fraction digits", #"{"a":1.}"#, .invalidJSON(offset: 7, reason: .invalidNumber)),
        InvalidCase("no exponent digits", #"{"a":1e+}"#, .invalidJSON(offset: 8, reason: .invalidNumber)),
        InvalidCase("lone minus", #"{"a":-}"#, .invalidJSON(offset: 6, reason: .invalidNumber)),
        InvalidCase("hex number", #"{"a":0x1}"#, .invalidJSON(offset: 6, reason: .expectedCommaOrEnd)),
        InvalidCase("NaN", #"{"a":NaN}"#, .invalidJSON(offset: 5, reason: .expectedValue)),
        InvalidCase("-Infinity", #"{"a":-Infinity}"#, .invalidJSON(offset: 6, reason: .invalidNumber)),
        InvalidCase("misspelt literal", #"{"a":tru}"#, .invalidJSON(offset: 8, reason: .invalidLiteral)),
        InvalidCase("capitalised literal", #"{"a":True}"#, .invalidJSON(offset: 5, reason: .expectedValue)),
        InvalidCase("lone high surrogate", #"{"a":"\ud83d"}"#, .invalidJSON(offset: 6, reason: .loneSurrogate)),
        InvalidCase("lone low surrogate", #"{"a":"\ude00x"}"#, .invalidJSON(offset: 6, reason: .loneSurrogate)),
        InvalidCase(
            "high surrogate then a letter",
            #"{"a":"\ud83d\u0041"}"#,
            .invalidJSON(offset: 6, reason: .loneSurrogate)
        ),
        InvalidCase(
            "high surrogate then a short escape",
            #"{"a":"\ud83d\n"}"#,
            .invalidJSON(offset: 6, reason: .loneSurrogate)
        ),
        InvalidCase(
            "two high surrogates",
            #"{"a":"\ud83d\ud83d"}"#,
            .invalidJSON(offset: 6, reason: .loneSurrogate)
        ),
        InvalidCase("unknown escape", #"{"a":"\x"}"#, .invalidJSON(offset: 6, reason: .invalidEscape)),
        InvalidCase("bad hex digit", #"{"a":"\u12G4"}"#, .invalidJSON(offset: 6, reason: .invalidEscape)),
        InvalidCase("raw newline in a string", "{\"a\":\"x\ny\"}", .invalidJSON(offset: 7, reason: .controlCharacter)),
        InvalidCase("raw tab in a string", "{\"a\":\"\t\"}", .invalidJSON(offset: 6, reason: .controlCharacter)),
        InvalidCase("raw NUL in a key", "{\"\u{0}\":1}", .invalidJSON(offset: 2, reason: .controlCharacter)),
        InvalidCase("invalid continuation", Self.string(with: [0xC3, 0x28]), .invalidUTF8(offset: 6)),
        InvalidCase("overlong 2-byte", Self.string(with: [0xC0, 0x80]), .invalidUTF8(offset: 6)),
        InvalidCase("overlong 3-byte", Self.string(with: [0xE0, 0x80, 0xAF]), .invalidUTF8(offset: 6)),
        InvalidCase("overlong 4-byte", Self.string(with: [0xF0, 0x8F, 0xBF, 0xBF]), .invalidUTF8(offset: 6)),
        InvalidCase("encoded surrogate", Self.string(with: [0xED, 0xA0, 0x80]), .invalidUTF8(offset: 6)),
        InvalidCase("above U+10FFFF", Self.string(with: [0xF4, 0x90, 0x80, 0x80]), .invalidUTF8(offset: 6)),
        InvalidCase("0xFF byte", Self.string(with: [0x61, 0xFF]), .invalidUTF8(offset: 7)),
        InvalidCase("lone continuation byte", Self.string(with: [0x80]), .invalidUTF8(offset: 6)),
        InvalidCase("truncated sequence", Self.string(with: [0xE2, 0x82]), .invalidUTF8(offset: 6)),
        InvalidCase("truncated at the end of input", Array(#"{"a":""#.utf8) + [0xF0, 0x9F], .invalidUTF8(offset: 6)),
        InvalidCase(
            "invalid UTF-8 in a key",
            Array(#"{""#.utf8) + [0xFE] + Array(#"":1}"#.utf8),
            .invalidUTF8(offset: 2)
        ),
        InvalidCase(
            "non-ASCII outside a string",
            Array("{".utf8) + [0xC2, 0xA0] + Array("}".utf8),
            .invalidJSON(offset: 1, reason: .expectedKey)
        ),
        InvalidCase(
            "byte order mark",
            [0xEF, 0xBB, 0xBF] + Array("{}".utf8),
            .invalidJSON(offset: 0, reason: .expectedValue)
        ),
        InvalidCase("vertical tab is not whitespace", "{\u{0B}}", .invalidJSON(offset: 1, reason: .expectedKey)),
        InvalidCase("top-level array", "[]", .notAnObject),
        InvalidCase("top-level string", #" "a" "#, .notAnObject),
        InvalidCase("top-level number", "12", .notAnObject),
        InvalidCase("top-level negative number", "-1", .notAnObject),
        InvalidCase("top-level null", "null", .notAnObject),
        InvalidCase("top-level true", "true", .notAnObject),
        InvalidCase("top-level garbage", "x", .invalidJSON(offset: 0, reason: .expectedValue)),
        InvalidCase("duplicate key", #"{"a":1,"a":2}"#, .duplicateKey(offset: 7)),
        InvalidCase("duplicate key written escaped", #"{"a":1,"\u0061":2}"#, .duplicateKey(offset: 7)),
        InvalidCase("duplicate key in a nested object", #"{"o":{"k":1,"j":2,"k":3}}"#, .duplicateKey(offset: 18)),
        InvalidCase(
            "duplicate key up to canonical equivalence",
            #"{"\u00e9":1,"e\u0301":2}"#,
            .duplicateKey(offset: 12)
        ),
        InvalidCase("10,000-deep arrays", "{\"a\":" + String(repeating: "[", count: 10_000), .tooDeep),
        InvalidCase(
            "10,000-deep objects",
            String(repeating: #"{"a":"#, count: 10_000) + "1" + String(repeating: "}", count: 10_000),
            .tooDeep
        ),
    ]

    /// `{"a":"` + `bytes` + `"}`.
    private static func string(with bytes: [UInt8]) -> [UInt8] {
        Array(#"{"a":""#.utf8) + bytes + Array(#""}"#.utf8)
    }

    @Test(arguments: invalidCases)
    func invalidInputIsRejected(_ testCase: InvalidCase) {
        #expect(throws: testCase.expected) {
            try CompactJSON.normalizeObject(testCase.input)
        }
    }

    @Test func theDepthLimitCountsTheTopLevelObject() throws {
        func nested(_ depth: Int) -> String {
            String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
        }
        #expect(try CompactJSON.normalizeObject(Array(nested(64).utf8)) == Array(nested(64).utf8))
        #expect(throws: CompactJSONError.tooDeep) { try CompactJSON.normalizeObject(Array(nested(65).utf8)) }
        #expect(throws: CompactJSONError.tooDeep) {
            try CompactJSON.normalizeObject(Array(#"{"a":[[1]]}"#.utf8), maximumDepth: 2)
        }
        #expect(try CompactJSON.normalizeObject(Array(#"{"a":[[1]]}"#.utf8), maximumDepth: 3).count == 11)
    }

    @Test func deepNestingWithinTheLimitDoesNotUseTheCallStack() throws {
        let depth = 200_000
        let input = Array(
            ("{\"a\":" + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}").utf8
        )
        let output = try CompactJSON.normalizeObject(input, maximumDepth: depth + 1)
        #expect(output == input)
    }

    // Liveness, not speed: a quadratic scan would blow the time limit; no duration is asserted.
    @Test(.timeLimit(.minutes(1))) func aMegabyteStringIsNormalised() throws {
        let plain = String(repeating: "a", count: 1 << 20)
        let mixed = String(repeating: #"é\n\u00e9\ud83d\ude00/"#, count: 1 << 16)
        let input = Array(#"{"s":"\#(plain)","m":"\#(mixed)"}"#.utf8)
        let output = try CompactJSON.normalizeObject(input)
        #expect(output == Array(#"{"s":"\#(plain)","m":"\#(String(repeating: "é\\né😀/", count: 1 << 16))"}"#.utf8))
    }

    @Test(.timeLimit(.minutes(1))) func manyKeysAreNormalised() throws {
        let members = (0..<50_000).map { #""key\#($0)":\#($0)"# }.joined(separator: ",")
        let input = Array("{\(members)}".utf8)
        #expect(try CompactJSON.normalizeObject(input) == input)
    }

    @Test func stringsAreWrittenExactlyAsJSONOutputWritesThem() throws {
        let hex = Array("0123456789abcdef")
        let scalars = Array(0x00...0x7F) + [0x80, 0xE9, 0x7FF, 0x800, 0x2028, 0xD7FF, 0xE000, 0xFEFF, 0xFFFF]
        for value in scalars {
            let scalar = try #require(Unicode.Scalar(UInt32(value)))
            let escape = "\\u" + [12, 8, 4, 0].map { String(hex[(value >> $0) & 0xF]) }.joined()
            let expected = JSONOutput.object([("k", .string(String(Character(scalar))))]).bytes
            #expect(try CompactJSON.normalizeObject(Array(#"{"k":"\#(escape)"}"#.utf8)) == expected, "\(escape)")
            if value >= 0x20, scalar != "\"", scalar != "\\" {
                let raw = Array("{\"k\":\"\(Character(scalar))\"}".utf8)
                #expect(try CompactJSON.normalizeObject(raw) == expected, "raw \(escape)")
            }
        }
    }

    @Test func anyCollectionOfBytesIsAccepted() throws {
        let text = #"xx{ "a" : [1, 2] }yy"#
        let slice = Array(text.utf8)[2..<(text.utf8.count - 2)]
        let expected = Array(#"{"a":[1,2]}"#.utf8)
        #expect(try CompactJSON.normalizeObject(slice) == expected)
        #expect(try CompactJSON.normalizeObject(Data(slice)) == expected)
        #expect(try CompactJSON.normalizeObject(#"{ "a" : [1, 2] }"#.utf8) == expected)
    }

    @Test func errorsReportOffsetsAndNeverTheInput() {
        let secret = "sk_live_do_not_echo"
        let inputs = [
            #"{"\#(secret)":1,"\#(secret)":2}"#, #"{"a":"\#(secret)"#, #"{"a":\#(secret)}"#, #"{"a":"\#(secret)\q"}"#,
            "[\"\(secret)\"]",
        ]
        for input in inputs {
            do {
                _ = try CompactJSON.normalizeObject(Array(input.utf8))
                Issue.record("accepted \(input)")
            } catch {
                #expect(!"\(error)".contains(secret))
                #expect(!"\(error)".contains("sk_live"))
            }
        }
        let error = CompactJSONError.invalidJSON(offset: 12, reason: .controlCharacter)
        #expect(error.offset == 12)
        #expect(error.description == "invalid JSON at byte offset 12: unescaped control character in a string")
        #expect(CompactJSONError.notAnObject.offset == nil)
        #expect(CompactJSONError.duplicateKey(offset: 3) != .duplicateKey(offset: 4))
        #expect(CompactJSONError.invalidUTF8(offset: 3) != .duplicateKey(offset: 3))
    }
}
