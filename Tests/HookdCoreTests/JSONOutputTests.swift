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

    @Test func timestampsAreUTCWithAnExplicitOffset() {
        #expect(Timestamp.iso8601(unixSeconds: 0) == "1970-01-01T00:00:00+00:00")
        #expect(Timestamp.iso8601(unixSeconds: 1_768_473_000) == "2026-01-15T10:30:00+00:00")
    }
}
