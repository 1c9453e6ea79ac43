import Foundation
import HookdCore
import Testing

@Suite struct UnixTimeTests {
    @Test func secondsBecomeMillisecondsExactly() {
        #expect(UnixMillis(UnixSeconds(1_768_473_000)) == UnixMillis(1_768_473_000_000))
        #expect(UnixMillis(UnixSeconds(0)) == UnixMillis(0))
        #expect(UnixMillis(UnixSeconds(-2)) == UnixMillis(-2_000))
    }

    @Test(arguments: [
        (millis: Int64(0), seconds: Int64(0)), (999, 0), (1_000, 1), (1_999, 1), (2_000, 2),
        (1_768_473_000_999, 1_768_473_000), (-1, -1), (-1_000, -1), (-1_001, -2),
    ])
    func millisecondsBecomeTheSecondTheyFallIn(millis: Int64, seconds: Int64) {
        #expect(UnixMillis(millis).unixSeconds == UnixSeconds(seconds))
        #expect(UnixSeconds(roundingDown: UnixMillis(millis)) == UnixSeconds(seconds))
    }

    @Test func aDurationMovesAnInstantByWholeMilliseconds() {
        let start = UnixMillis(1_000)
        #expect(start + .seconds(30) == UnixMillis(31_000))
        #expect(start - .milliseconds(400) == UnixMillis(600))
        #expect(start + .microseconds(1_999) == UnixMillis(1_001), "the part below a millisecond is dropped")
        #expect(start + .seconds(-2) == UnixMillis(-1_000))
        #expect(UnixMillis(31_000) - start == .seconds(30))
        #expect(start - UnixMillis(31_000) == .seconds(-30))
    }

    @Test func aDurationMovesAnInstantInSecondsByWholeSeconds() {
        let start = UnixSeconds(1_768_473_000)
        #expect(start + .seconds(86_400) == UnixSeconds(1_768_559_400))
        #expect(start - .seconds(300) == UnixSeconds(1_768_472_700))
        #expect(start + .milliseconds(1_999) == UnixSeconds(1_768_473_001), "the part below a second is dropped")
        #expect(start - .milliseconds(1_999) == UnixSeconds(1_768_472_999))
        #expect(UnixSeconds(10) - UnixSeconds(4) == .seconds(6))
    }

    @Test func instantsOrderAsTimeDoes() {
        #expect(UnixMillis(-5) < UnixMillis(0) && UnixMillis(0) < UnixMillis(1))
        #expect([UnixSeconds(3), UnixSeconds(-1), UnixSeconds(2)].sorted() == [-1, 2, 3].map(UnixSeconds.init))
        #expect(max(UnixMillis(7), UnixMillis(9)) == UnixMillis(9))
    }

    @Test func descriptionsNameTheUnit() {
        #expect("\(UnixMillis(1_500))" == "1500 ms")
        #expect("\(UnixSeconds(2))" == "2 s")
    }

    @Test func theWallClockReadsBothUnitsRoundedDown() {
        let clock = FixedClock(now: Date(timeIntervalSince1970: 1_768_473_000.9995))
        #expect(clock.unixMillis == UnixMillis(1_768_473_000_999))
        #expect(clock.unixSeconds == UnixSeconds(1_768_473_000))
        #expect(clock.unixMillis.unixSeconds == clock.unixSeconds)
    }

    @Test func timestampsAreWrittenToTheSecond() {
        #expect(Timestamp.iso8601(UnixSeconds(0)) == "1970-01-01T00:00:00+00:00")
        #expect(Timestamp.iso8601(UnixSeconds(1_768_473_000)) == "2026-01-15T10:30:00+00:00")
        #expect(Timestamp.iso8601(UnixMillis(1_768_473_000_999).unixSeconds) == "2026-01-15T10:30:00+00:00")
        #expect(Timestamp.iso8601(UnixSeconds(1_768_473_000) + .seconds(86_400)) == "2026-01-16T10:30:00+00:00")
    }
}

/// A clock stopped at `now`.
private struct FixedClock: WallClock {
    let now: Date
}
