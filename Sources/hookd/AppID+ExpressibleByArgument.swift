public import ArgumentParser
public import HookdCore

// An app id on the command line is checked for its shape where it is parsed, like one in a request's path: text that
// cannot be an app's id is refused before any store is opened.

extension AppID: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(validating: argument)
    }
}
