import HookdCore

/// A column that holds sealed values, as a master key rotation reads and rewrites them.
struct SealedColumn: Sendable {
    let table: String
    let column: String
    /// The text columns that name a row, in order.
    let keyColumns: [String]
    /// The sealing purpose of a row's value, from its key columns' values.
    let purpose: @Sendable (_ keyValues: [String]) -> String

    /// Every sealed column: endpoint secrets (and the ones an overlap keeps), endpoints' custom headers, server
    /// secrets, and the secrets kept for idempotent regenerations.
    static let all = [
        SealedColumn(table: "webhook_endpoints", column: "sealed_secret", keyColumns: ["app_id", "id"]) {
            SecretSealer.webhookSecretPurpose(appID: AppID($0[0]), endpointID: EndpointID($0[1]))
        },
        SealedColumn(table: "webhook_endpoints", column: "previous_sealed_secret", keyColumns: ["app_id", "id"]) {
            SecretSealer.webhookSecretPurpose(appID: AppID($0[0]), endpointID: EndpointID($0[1]))
        },
        SealedColumn(table: "webhook_endpoints", column: "sealed_headers", keyColumns: ["app_id", "id"]) {
            SecretSealer.endpointHeadersPurpose(appID: AppID($0[0]), endpointID: EndpointID($0[1]))
        },
        SealedColumn(table: "server_secrets", column: "sealed", keyColumns: ["name"]) {
            SecretSealer.serverSecretPurpose(name: $0[0])
        },
        SealedColumn(table: "idempotency_keys", column: "response", keyColumns: ["app_id", "scope", "key"]) {
            SecretSealer.webhookSecretPurpose(appID: AppID($0[0]))
        },
    ]

    /// Selects the key columns and the value (as `sealed`) of every row holding one, in key order.
    var selection: String {
        let keys = keyColumns.joined(separator: ", ")
        return "SELECT \(keys), \(column) AS sealed FROM \(table) WHERE \(column) IS NOT NULL ORDER BY \(keys)"
    }

    /// Updates one row's value: the value is parameter 1, the key columns follow in order (`$n` or `?`).
    func update(placeholder: (Int) -> String) -> String {
        let conditions = keyColumns.enumerated().map { "\($1) = \(placeholder($0 + 2))" }
        return "UPDATE \(table) SET \(column) = \(placeholder(1)) WHERE \(conditions.joined(separator: " AND "))"
    }
}
