public import HookdCore

/// The server-wide sealed secrets, and the master key fence every sealed value is checked against.
public protocol SealedValueStore: Sendable {
    /// A server-wide sealed secret (the token signing key, the operator key), created with `makeSealed` on first use.
    ///
    /// Safe when several processes start at once: the first insert wins and everyone reads the winner.
    func serverSecret(name: String, orInsert makeSealed: @Sendable () throws -> [UInt8]) async throws -> [UInt8]

    /// The identifier of the master key values must be sealed under (the fence), set to `identifier` first when
    /// none is set (a new database).
    ///
    /// A value sealed under any other key is refused by the database itself: the write throws
    /// ``StoreError/unavailable(_:)`` with ``StoreError/Unavailability/outdatedMasterKey``.
    func sealingKeyIdentifier(settingIfAbsent identifier: [UInt8]) async throws -> [UInt8]

    /// Moves the fence to `identifier` and rewrites every sealed value (webhook secrets, endpoints' custom headers,
    /// server secrets, the secrets kept for idempotent regenerations) through `reseal`, in one transaction.
    ///
    /// `reseal` receives each value with its sealing purpose and returns the value to store, sealed under
    /// `identifier`.
    /// - Returns: how many values were rewritten.
    func resealAll(
        under identifier: [UInt8],
        _ reseal: @Sendable (_ sealed: [UInt8], _ purpose: String) throws -> [UInt8]
    ) async throws -> Int

    /// Seals the custom headers of endpoints still kept in the clear (written before the headers were sealed) through
    /// `seal`, and clears them; called at every start once the master key is checked, it finds none after the first.
    ///
    /// `seal` receives the stored headers (a JSON object) with the endpoint's app and id, and returns them sealed
    /// under the key the fence names. A row changed meanwhile is left for the next start.
    /// - Returns: how many endpoints' headers were sealed.
    func sealHeadersKeptInClear(
        _ seal: @Sendable (_ headersJSON: String, _ appID: AppID, _ endpointID: EndpointID) throws -> [UInt8]
    ) async throws -> Int
}
