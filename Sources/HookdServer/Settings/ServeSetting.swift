import Foundation

/// One setting of `hookd serve`, declared once: its flag, its `HOOKD_*` environment twin, its default, its limits,
/// its help text, and how its value goes into a ``HookdServerConfiguration``.
///
/// ``all`` is the table every reader takes them from: the CLI's options and their help, ``ServeOptions``' reading
/// of the twins, and the messages for a bad value. A flag given on the command line wins over its twin.
public struct ServeSetting: Sendable {
    /// The long flag without its dashes: `max-in-flight`.
    public let flag: String
    /// What the setting does, as its help text starts.
    let summary: String
    /// Said of the twin in the help text, after its name (`, the better place for it`); usually nothing.
    let twinNote: String
    /// The help text's default (`default 64`), read from a configuration with the defaults; `nil`: none shown.
    let shownDefault: (@Sendable (HookdServerConfiguration) -> String)?
    /// Reads the value given (`nil`: not given, flag or twin) into the configuration.
    let read: @Sendable (SettingValue?, inout HookdServerConfiguration) throws(ServeOptions.Invalid) -> Void

    /// The environment variable that sets it when the flag is not given: `HOOKD_MAX_IN_FLIGHT`.
    public var twin: String { "HOOKD_" + flag.uppercased().replacingOccurrences(of: "-", with: "_") }

    /// The text `hookd serve --help` shows for it, twin and default included.
    public var help: String {
        let shown = shownDefault.map { "; " + $0(HookdServerConfiguration()) } ?? ""
        return "\(summary) (\(twin)\(twinNote)\(shown))."
    }

    /// The setting whose flag is `flag`, dashes and case aside (`maxInFlight` names `max-in-flight`).
    public static func named(_ flag: String) -> ServeSetting? {
        let key = flag.lowercased().replacingOccurrences(of: "-", with: "")
        return all.first { $0.flag.replacingOccurrences(of: "-", with: "") == key }
    }
}

/// A setting's value as given: its text, and the flag or twin it came from, for messages.
struct SettingValue: Sendable {
    let text: String
    /// `--max-in-flight` or `HOOKD_MAX_IN_FLIGHT`.
    let source: String
}

extension ServeSetting {
    typealias Invalid = ServeOptions.Invalid
    typealias Apply<Value> = @Sendable (inout HookdServerConfiguration, Value) throws(Invalid) -> Void

    /// `default …` with the value a configuration with the defaults shows.
    static func shown(
        _ value: @escaping @Sendable (HookdServerConfiguration) -> String
    ) -> (
        @Sendable (HookdServerConfiguration) -> String
    ) {
        { "default " + value($0) }
    }

    /// The default said in words (`default all`, `default: the delivery timeout plus 2`).
    static func said(_ words: String) -> (@Sendable (HookdServerConfiguration) -> String) {
        { _ in words }
    }

    /// A setting read with `parse`; `apply` gets `nil` when it was not given, for defaults that follow others.
    static func reading<Value>(
        _ flag: String,
        _ summary: String,
        twinNote: String = "",
        default shownDefault: (@Sendable (HookdServerConfiguration) -> String)?,
        parse: @escaping @Sendable (SettingValue) throws(Invalid) -> Value,
        applyOrDefault apply: @escaping Apply<Value?>
    ) -> ServeSetting {
        ServeSetting(flag: flag, summary: summary, twinNote: twinNote, shownDefault: shownDefault) {
            (given, configuration) throws(Invalid) in
            try apply(&configuration, try given.map { (value) throws(Invalid) in try parse(value) })
        }
    }

    /// A setting read with `parse` that changes the configuration only when given.
    static func reading<Value>(
        _ flag: String,
        _ summary: String,
        twinNote: String = "",
        default shownDefault: (@Sendable (HookdServerConfiguration) -> String)?,
        parse: @escaping @Sendable (SettingValue) throws(Invalid) -> Value,
        apply: @escaping Apply<Value>
    ) -> ServeSetting {
        reading(flag, summary, twinNote: twinNote, default: shownDefault, parse: parse) {
            (configuration, value: Value?) throws(Invalid) in
            if let value { try apply(&configuration, value) }
        }
    }

    /// A whole number in `range`.
    static func whole(
        _ flag: String,
        in range: ClosedRange<Int>,
        _ summary: String,
        default shownDefault: (@Sendable (HookdServerConfiguration) -> String)?,
        apply: @escaping Apply<Int>
    ) -> ServeSetting {
        reading(flag, summary, default: shownDefault, parse: wholeNumber(flag, in: range), apply: apply)
    }

    /// A number of seconds in `range`.
    static func seconds(
        _ flag: String,
        in range: ClosedRange<Double>,
        _ summary: String,
        default shownDefault: (@Sendable (HookdServerConfiguration) -> String)?,
        apply: @escaping Apply<Duration>
    ) -> ServeSetting {
        reading(
            flag,
            summary,
            default: shownDefault,
            parse: { (value) throws(Invalid) in
                guard let seconds = Double(value.text) else {
                    throw Invalid(description: "\(value.source) must be a number, not \(value.text)")
                }
                guard range.contains(seconds) else {
                    let bounds =
                        range.lowerBound > 0 && range.lowerBound < 1
                        ? "more than 0 and at most \(Int(range.upperBound))"
                        : "from \(Int(range.lowerBound)) to \(Int(range.upperBound))"
                    throw Invalid(description: "--\(flag) must be \(bounds) seconds")
                }
                return Duration.seconds(seconds)
            },
            apply: apply
        )
    }

    /// Text, which `apply` checks.
    static func text(
        _ flag: String,
        _ summary: String,
        twinNote: String = "",
        default shownDefault: (@Sendable (HookdServerConfiguration) -> String)?,
        apply: @escaping Apply<String>
    ) -> ServeSetting {
        reading(flag, summary, twinNote: twinNote, default: shownDefault, parse: { $0.text }, apply: apply)
    }

    /// A switch: on when its flag is given or its twin is `1`, `true` or `yes` (any case).
    static func toggle(_ flag: String, _ summary: String, apply: @escaping Apply<Bool>) -> ServeSetting {
        reading(
            flag,
            summary,
            default: nil,
            parse: { ["1", "true", "yes"].contains($0.text.lowercased()) },
            applyOrDefault: { (configuration, on: Bool?) throws(Invalid) in try apply(&configuration, on ?? false) }
        )
    }

    /// Reads a whole number in `range`.
    static func wholeNumber(
        _ flag: String,
        in range: ClosedRange<Int>
    ) -> @Sendable (SettingValue) throws(Invalid) -> Int {
        { (value) throws(Invalid) in
            guard let number = Int(value.text) else {
                throw Invalid(description: "\(value.source) must be a whole number, not \(value.text)")
            }
            guard range.contains(number) else {
                throw Invalid(description: "--\(flag) must be from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }
    }

    /// `10` for ten seconds, `0.5` for half of one: how the help text writes a duration.
    static func secondsText(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        guard attoseconds != 0 else { return "\(seconds)" }
        return "\(Double(seconds) + Double(attoseconds) / 1e18)"
    }

    /// A retry schedule: one or more positive numbers of seconds, comma-separated.
    static func schedule(_ text: String, _ flag: String, example: String) throws(Invalid) -> [Duration] {
        let steps = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !steps.isEmpty, steps.allSatisfy({ ($0 ?? -1) > 0 }) else {
            throw Invalid(description: "--\(flag) must list positive seconds, e.g. \(example)")
        }
        return steps.map { .seconds($0!) }
    }
}
