import HookdCore
import Testing

@Suite struct JSONOutputTests {
    @Test func objectsKeepTheirKeyOrderAndWriteCompactly() {
        let value = JSONOutput.object([
            ("z", .int(1)), ("a", .array([.bool(true), .null, .string(nil)])), ("m", .object([])),
            ("raw", .raw(Array(#"{"k":1.50}"#.utf8))),
        ])
        #expect(
            String(decoding: value.bytes, as: UTF8.self) == #"{"z":1,"a":[true,null,null],"m":{},"raw":{"k":1.50}}"#
        )
    }

    @Test func stringsEscapeOnlyWhatJSONRequires() {
        let value = JSONOutput.string("a/b \"q\" \\ é 😀 \n\t\u{1}")
        #expect(String(decoding: value.bytes, as: UTF8.self) == #""a/b \"q\" \\ é 😀 \n\t\u0001""#)
    }
}
