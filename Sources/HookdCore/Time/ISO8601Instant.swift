/// Reads the instants the API accepts: `2026-01-15T10:30:00Z`, with optional fractional seconds and a `Z` or
/// `±hh:mm` offset, strictly (no trailing text, no day 30 of February, no hour 24, no leap second).
public enum ISO8601Instant {
    /// The instant `text` names, to the millisecond (finer digits are dropped), or `nil` when it is not one.
    public static func parse(_ text: String) -> UnixMillis? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ width: Int) -> Int? {
            guard index + width <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<(index + width)] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += width
            return value
        }
        func literal(_ character: Character) -> Bool {
            guard index < bytes.count, bytes[index] == character.asciiValue else { return false }
            index += 1
            return true
        }
        guard let year = number(4), literal("-"), let month = number(2), literal("-"), let day = number(2),
            literal("T"), let hour = number(2), literal(":"), let minute = number(2), literal(":"),
            let second = number(2)
        else { return nil }
        var millis = 0
        if literal(".") {
            let start = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            let digits = bytes[start..<index]
            guard (1...9).contains(digits.count) else { return nil }
            for (position, digit) in digits.prefix(3).enumerated() {
                millis += Int(digit - UInt8(ascii: "0")) * [100, 10, 1][position]
            }
        }
        var offsetMinutes = 0
        if !literal("Z") {
            let sign: Int
            if literal("+") {
                sign = 1
            } else if literal("-") {
                sign = -1
            } else {
                return nil
            }
            guard let hours = number(2), literal(":"), let minutes = number(2), hours <= 23, minutes <= 59 else {
                return nil
            }
            offsetMinutes = sign * (hours * 60 + minutes)
        }
        guard index == bytes.count, (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
            hour <= 23, minute <= 59, second <= 59
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3_600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        return UnixMillis(seconds * 1_000 + Int64(millis))
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
