import Crypto
import Foundation
import Testing

/// The three signature formulas of SPEC §5.1, computed here from scratch (not with HookdVerify) so that the
/// end-to-end tests check hookd's deliveries against the contract rather than against hookd's own code.
package enum SpecSignatures {
    package static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// `hex(HMAC-SHA256(key: secret ASCII incl. whsec_, message: data bytes))`.
    package static func v3(secret: String, data: [UInt8]) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: Array(secret.utf8))))
    }

    /// `t=<ts>,v1=hex(HMAC-SHA256(key: hex(SHA-256(secret)) ASCII, message: "<ts>." + body))`.
    package static func fyatu(secret: String, timestamp: String, body: [UInt8]) -> String {
        let key = hex(SHA256.hash(data: Array(secret.utf8)))
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("\(timestamp).".utf8) + body,
            using: SymmetricKey(data: Array(key.utf8))
        )
        return "t=\(timestamp),v1=\(hex(mac))"
    }

    /// `v1,base64(HMAC-SHA256(key: base64-decode(secret without whsec_), message: "<id>.<ts>." + body))`.
    package static func standard(secret: String, id: String, timestamp: String, body: [UInt8]) -> String {
        let key = Data(base64Encoded: String(secret.dropFirst("whsec_".count)))!
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("\(id).\(timestamp).".utf8) + body,
            using: SymmetricKey(data: key)
        )
        return "v1," + Data(mac).base64EncodedString()
    }

    /// Checks one received delivery under all three schemes with `secret`; returns what failed, empty when all pass.
    package static func problems(
        in request: TestReceiver.Received,
        secret: String,
        event: String,
        eventID: String,
        data: [UInt8]
    ) -> [String] {
        var problems: [String] = []
        let expectedPrefix = #"{"event":"\#(event)","version":"3.0","eventId":"\#(eventID)","sign":""#
        let body = String(decoding: request.body, as: UTF8.self)
        let sign = v3(secret: secret, data: data)
        let expectedBody = expectedPrefix + sign + #"","data":"# + String(decoding: data, as: UTF8.self) + "}"
        if body != expectedBody { problems.append("body or v3 sign differs: \(body)") }
        guard let timestamp = request.header("X-Fyatu-Timestamp") else { return problems + ["no X-Fyatu-Timestamp"] }
        if request.header("X-Fyatu-Signature") != fyatu(secret: secret, timestamp: timestamp, body: request.body) {
            problems.append("X-Fyatu-Signature differs")
        }
        if request.header("webhook-timestamp") != timestamp { problems.append("webhook-timestamp differs") }
        if request.header("webhook-id") != eventID { problems.append("webhook-id is not the eventId") }
        if request.header("webhook-signature")
            != standard(secret: secret, id: eventID, timestamp: timestamp, body: request.body)
        {
            problems.append("webhook-signature differs")
        }
        if request.header("X-Fyatu-Event") != event { problems.append("X-Fyatu-Event differs") }
        if request.header("X-Fyatu-Event-ID") != eventID { problems.append("X-Fyatu-Event-ID differs") }
        if request.header("Content-Type") != "application/json" { problems.append("Content-Type differs") }
        if request.header("User-Agent")?.hasPrefix("hookd") != true { problems.append("User-Agent differs") }
        return problems
    }
}

extension SpecSignatures {
    /// Checks deliveries of `card.created` with `{"i":index}` under the three schemes of SPEC §5.1.
    package static func problems(
        inNumberedCardEvents requests: [TestReceiver.Received],
        secret: String,
        eventIDs: [String]
    ) throws -> [String] {
        let indexOfEvent = Dictionary(uniqueKeysWithValues: eventIDs.enumerated().map { ($1, $0) })
        var problems: [String] = []
        for request in requests {
            let eventID = try #require(request.header("webhook-id"))
            let index = try #require(indexOfEvent[eventID])
            problems += SpecSignatures.problems(
                in: request,
                secret: secret,
                event: "card.created",
                eventID: eventID,
                data: Array(#"{"i":\#(index)}"#.utf8)
            )
        }
        return problems
    }
}
