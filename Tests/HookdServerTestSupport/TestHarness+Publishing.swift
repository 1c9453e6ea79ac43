import HTTPTypes
package import HookdCore
import HookdServer
package import HummingbirdTesting

extension TestHarness {
    /// Publishes `count` `card.created` events for `appID`, the data of each `{"<field>":<index>}`, through
    /// `POST /internal/events`, not looking at the answers.
    package func publishNumbered(
        _ count: Int,
        appID: AppID,
        client: any TestClientProtocol,
        field: String = "n"
    ) async throws {
        for index in 0..<count {
            try await publish("card.created", data: #"{"\#(field)":\#(index)}"#, appID: appID, client: client)
        }
    }

    /// Publishes `event` with `data` for `appID` through `POST /internal/events` with this harness's operator key.
    @discardableResult
    package func publish(
        _ event: String = "card.funded",
        data: String = #"{"n":1}"#,
        eventID: String? = nil,
        appID: AppID,
        client: any TestClientProtocol
    ) async throws -> JSONResponse {
        try await client.publish(appID: appID, event: event, data: data, eventID: eventID, operatorKey: operatorKey)
    }
}
