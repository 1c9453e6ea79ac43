extension EndpointHeaders {
    /// The headers sealed for the store (SPEC §7: a receiver's `Authorization` is as secret as a webhook secret);
    /// `nil` when there are none.
    ///
    /// - Parameter sealer: A sealer that seals under the key the database's fence names (``SecretSealer``).
    /// - Throws: What sealing throws.
    public func sealed(by sealer: SecretSealer, appID: AppID, endpointID: EndpointID) throws -> [UInt8]? {
        guard !fields.isEmpty else { return nil }
        return try sealer.seal(
            Array(storedJSON.utf8),
            purpose: SecretSealer.endpointHeadersPurpose(appID: appID, endpointID: endpointID)
        )
    }

    /// Opens headers sealed by ``sealed(by:appID:endpointID:)``; `nil` is none.
    ///
    /// - Throws: ``SecretSealingError`` when the value does not open (another key, another endpoint's row), or
    ///   ``EndpointFieldError`` when what it holds breaks a rule.
    public init(sealed: [UInt8]?, openedBy sealer: SecretSealer, appID: AppID, endpointID: EndpointID) throws {
        guard let sealed else {
            self = .none
            return
        }
        let json = try sealer.open(
            sealed,
            purpose: SecretSealer.endpointHeadersPurpose(appID: appID, endpointID: endpointID)
        )
        try self.init(storedJSON: String(decoding: json, as: UTF8.self))
    }

    /// The headers as every answer shows them: credentials and signatures redacted (``HeaderRedaction``).
    public var redactedFields: [Field] {
        fields.map { Field(name: $0.name, value: HeaderRedaction.redacted(name: $0.name, value: $0.value)) }
    }

    /// Checks headers given by an app in a change, where a value that is ``HeaderRedaction/marker`` (what an
    /// answer showed in its place) keeps the value `stored` has under that name, compared without regard to case.
    ///
    /// So an edit that sends back the headers an answer showed changes what it changed and leaves the credentials
    /// as they were; the marker is never stored in place of a value.
    /// - Throws: ``EndpointFieldError`` for the `headers` field: a rule broken, or the marker given for a name
    ///   `stored` has no value for.
    public init(validating headers: [String: String], keeping stored: EndpointHeaders) throws(EndpointFieldError) {
        // Names are checked first, so an error quotes only a name that is a header name.
        var resolved: [String: String] = [:]
        for field in try EndpointHeaders(validating: headers).fields {
            guard field.value == HeaderRedaction.marker else {
                resolved[field.name] = field.value
                continue
            }
            guard let kept = stored.fields.first(where: { $0.name.lowercased() == field.name.lowercased() }) else {
                throw EndpointFieldError(
                    field: "headers",
                    "'\(field.name)' has no stored value to keep: \(HeaderRedaction.marker) stands in for a value "
                        + "and is not one"
                )
            }
            resolved[field.name] = kept.value
        }
        try self.init(validating: resolved)
    }
}
