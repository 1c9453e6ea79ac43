import HookdCore
import HookdVerify
import Testing

@Suite struct EndpointRulesTests {
    @Test func eventsAreAcceptedInEitherSpellingAndKeptOnceInCatalogueForm() throws {
        let events = try EndpointRules.events(
            ["CARD_FUNDED", "card.transaction.approved", "card.funded", "CARDHOLDER_KYC_PENDING"],
            for: .issuing
        )
        #expect(events == ["card.funded", "card.transaction.approved", "cardholder.kyc.pending"])
        #expect(EventName.uppercasedForm("card.transaction.approved") == "CARD_TRANSACTION_APPROVED")
    }

    @Test(arguments: [
        [], Array(repeating: "card.funded", count: 21), ["collection.received"], ["Card.Funded"], ["card_funded"],
        ["CARD.FUNDED"],
    ])
    func subscriptionsOutsideTheRulesAreRefusedForTheEventsField(names: [String]) {
        #expect(throws: EndpointFieldError.self) { try EndpointRules.events(names, for: .issuing) }
        do {
            _ = try EndpointRules.events(names, for: .issuing)
        } catch {
            #expect(error.field == "events")
        }
    }

    @Test func twentyEventsAreTheMostOneEndpointTakes() throws {
        let twenty = Array(repeating: "card.funded", count: 20)
        #expect(try EndpointRules.events(twenty, for: .issuing) == ["card.funded"])
    }

    @Test func descriptionsAndRateLimitsHaveTheirBounds() throws {
        #expect(try EndpointRules.description(String(repeating: "é", count: 255)).count == 255)
        #expect(throws: EndpointFieldError.self) { try EndpointRules.description(String(repeating: "a", count: 256)) }
        #expect(throws: EndpointFieldError.self) { try EndpointRules.description("line\nbreak") }
        #expect(try EndpointRules.rateLimit(nil) == nil)
        #expect(try EndpointRules.rateLimit(1) == 1)
        #expect(try EndpointRules.rateLimit(10_000) == 10_000)
        #expect(throws: EndpointFieldError.self) { try EndpointRules.rateLimit(0) }
        #expect(throws: EndpointFieldError.self) { try EndpointRules.rateLimit(10_001) }
    }

    @Test func headersAreKeptSortedByName() throws {
        let headers = try EndpointHeaders(validating: ["X-Tenant": "acme", "Authorization": "Basic dXNlcjpwYXNz"])
        #expect(headers.fields.map(\.name) == ["Authorization", "X-Tenant"])
        #expect(headers.fields.map(\.value) == ["Basic dXNlcjpwYXNz", "acme"])
    }

    @Test func storedHeadersReadBackAsTheyWereAndNoneIsAnEmptyObject() throws {
        let headers = try EndpointHeaders(validating: ["X-Tenant": "acme", "Authorization": "Basic dXNlcjpwYXNz"])
        #expect(try EndpointHeaders(storedJSON: headers.storedJSON) == headers)
        #expect(EndpointHeaders.none.storedJSON == "{}")
        #expect(try EndpointHeaders(storedJSON: "{}") == .none)
        #expect(try EndpointHeaders(storedJSON: #"{ }"#) == .none, "any spelling of an empty object")
        #expect(throws: EndpointFieldError.self) { try EndpointHeaders(storedJSON: #"{"Host":"x"}"#) }
        #expect(throws: EndpointFieldError.self) { try EndpointHeaders(storedJSON: "[]") }
    }

    @Test(arguments: [
        ["X-Fyatu-Signature": "v1=forged"], ["webhook-id": "msg_1"], ["Webhook-Signature": "v1,x"],
        ["Transfer-Encoding": "chunked"], ["Host": "elsewhere.example"], ["content-type": "text/plain"],
        ["Connection": "close"], ["Bad Name": "x"], ["": "x"], ["X-Split": "a\r\nX-Injected: 1"],
        ["X-Long": String(repeating: "v", count: 1_025)], ["X-Utf8": "café"],
        ["x-dup": "1", "X-Dup": "2"],
    ])
    func headersHookdOwnsOrThatCouldBreakTheRequestAreRefused(headers: [String: String]) {
        #expect(throws: EndpointFieldError.self) { try EndpointHeaders(validating: headers) }
    }

    @Test func atMostTenHeaders() throws {
        let ten = Dictionary(uniqueKeysWithValues: (0..<10).map { ("X-H\($0)", "v") })
        #expect(try EndpointHeaders(validating: ten).fields.count == 10)
        var eleven = ten
        eleven["X-H10"] = "v"
        #expect(throws: EndpointFieldError.self) { try EndpointHeaders(validating: eleven) }
    }

    @Test func endpointSecretsAreSixtyFourLowercaseHexDigits() {
        let secret = WebhookSecret.generateForEndpoint().value
        #expect(secret.wholeMatch(of: /whsec_[0-9a-f]{64}/) != nil)
        #expect(WebhookSecret(broughtByApp: secret)?.value == secret, "and valid base64, for Standard Webhooks")
    }

    @Test(arguments: [
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_" + String(repeating: "A", count: 64),
        "whsec_c2VjcmV0LWJyb3VnaHQtZnJvbS1lbHNld2hlcmU=",
    ])
    func aSecretBroughtFromAnotherSenderIsKeptAsGiven(value: String) {
        #expect(WebhookSecret(broughtByApp: value)?.value == value)
    }

    @Test(arguments: [
        "whsec_short", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_" + String(repeating: "A", count: 68),
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",
        "whsec_ MfKQ9r8GKYqrTwjUPD8ILPZIo2La",
    ])
    func malformedBroughtSecretsAreRefused(value: String) {
        #expect(WebhookSecret(broughtByApp: value) == nil)
    }

    @Test func webhookIdentifiersHaveTheirShape() {
        let id = Identifiers.webhookID()
        #expect(id.rawValue.wholeMatch(of: /whk_[A-Z0-9]{20}/) != nil)
        #expect(Identifiers.isWebhookID(id.rawValue))
        #expect(!Identifiers.isWebhookID("whk_" + String(repeating: "a", count: 20)))
        #expect(!Identifiers.isWebhookID("whk_ABC"))
    }
}
