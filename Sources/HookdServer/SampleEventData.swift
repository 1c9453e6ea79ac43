import HookdCore

/// The payloads of test deliveries: plausible data for each event, marked `"_test":true`.
enum SampleEventData {
    static func payload(for event: String) -> [UInt8] {
        var members: [(String, JSONOutput)] = [("_test", .bool(true))]
        if event.hasPrefix("card.transaction.") {
            members += [
                ("transactionId", .string("txn_test_0001")), ("cardId", .string("card_test_0001")),
                ("amount", .raw(Array("25.00".utf8))), ("currency", .string("USD")),
                ("merchant", .string("Test Merchant")),
            ]
        } else if event.hasPrefix("card.") {
            members += [
                ("cardId", .string("card_test_0001")), ("cardholderId", .string("ch_test_0001")),
                ("amount", .raw(Array("100.00".utf8))), ("currency", .string("USD")),
            ]
        } else if event.hasPrefix("cardholder.") {
            members += [("cardholderId", .string("ch_test_0001")), ("name", .string("Test Cardholder"))]
        } else if event.hasPrefix("collection.") || event.hasPrefix("payout.") {
            members += [
                ("reference", .string("ref_test_0001")), ("amount", .raw(Array("50.00".utf8))),
                ("currency", .string("USD")),
            ]
        } else {
            members += [("message", .string("This is a test webhook from hookd."))]
        }
        return JSONOutput.object(members).bytes
    }
}
