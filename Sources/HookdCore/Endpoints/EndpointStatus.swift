/// Whether an endpoint receives deliveries (SPEC §11).
public enum EndpointStatus: String, Sendable, CaseIterable, Codable {
    /// Deliveries go out.
    case active = "ACTIVE"
    /// Deliveries wait, pending, until the endpoint is enabled again; none is dropped.
    case disabled = "DISABLED"
}

/// Why an endpoint was disabled (SPEC §11 `disabledReason`).
public enum EndpointDisabledReason: String, Sendable, CaseIterable, Codable {
    /// The app disabled it (`PATCH … {"enabled":false}`).
    case manual = "MANUAL"
    /// Its receiver answered `410 Gone`.
    case gone = "GONE"
    /// Every attempt to it failed for the auto-disable period (5 days by default).
    case failing = "FAILING"
}

/// Which of the platform's environments an app belongs to (SPEC §11, `hookd apps create --environment`).
public enum AppEnvironment: String, Sendable, CaseIterable, Codable {
    /// Real money. Webhook URLs must be `https://` unless the operator allows otherwise.
    case live = "LIVE"
    /// Test traffic. Webhook URLs may be `http://`; private targets still need the operator's switch.
    case sandbox = "SANDBOX"
}
