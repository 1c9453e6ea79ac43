import HookdCore
import HookdDelivery

/// The options of `hookd serve` as the operator gave them, read into a configuration with their `HOOKD_*` environment
/// twins and the documented defaults (``ServeSetting/all``). A flag given on the command line wins over its twin.
///
/// Every range is checked here, so a command line only parses text and hands it over.
public struct ServeOptions: Sendable {
    /// The values given as flags, as text, by flag name; a switch given is `true`.
    private var given: [String: String] = [:]

    public init() {}

    /// The value given for `setting` on the command line, as text; `nil`: not given.
    public subscript(setting: ServeSetting) -> String? {
        get { given[setting.flag] }
        set { given[setting.flag] = newValue }
    }

    /// Why an option could not be used; the message names the option and what it takes.
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// The configuration these options describe.
    ///
    /// - Parameter environment: The process environment, for the `HOOKD_*` twins of options not given.
    /// - Throws: ``Invalid`` for a value out of its range or not of its type.
    public func configuration(environment: [String: String]) throws(Invalid) -> HookdServerConfiguration {
        var configuration = HookdServerConfiguration()
        for setting in ServeSetting.all {
            let value =
                given[setting.flag].map { SettingValue(text: $0, source: "--" + setting.flag) }
                ?? environment[setting.twin].flatMap { $0.isEmpty ? nil : SettingValue(text: $0, source: setting.twin) }
            try setting.read(value, &configuration)
        }
        configuration.delivery.userAgent = "hookd/\(HookdVersion.current)"
        let (warnAfter, disableAfter) = (
            configuration.delivery.endpointWarnAfter, configuration.delivery.endpointDisableAfter
        )
        guard warnAfter < disableAfter else {
            throw Invalid(
                description: "--endpoint-warn-after (\(ServeSetting.secondsText(warnAfter)) s) must be shorter than "
                    + "--endpoint-disable-days (\(ServeSetting.secondsText(disableAfter)) s): the warning says when "
                    + "the endpoint will be disabled"
            )
        }
        return configuration
    }
}
