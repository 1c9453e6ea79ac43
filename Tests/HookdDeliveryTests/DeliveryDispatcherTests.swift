import HookdCore
import HookdDelivery
import ServiceLifecycleTestKit
import Testing

/// The dispatcher against an in-memory queue and a transport that sends nothing (``DispatcherFixture``): what it
/// claims, sends and records, how it holds tenants to their request slots, and how it stops. Every test stops the
/// dispatcher gracefully and waits for it; none asserts how long anything took.
@Suite(.timeLimit(.minutes(1)))
struct DeliveryDispatcherTests {
    @Test func sendsWhatIsDueAndRecordsEachOutcome() async throws {
        let fixture = DispatcherFixture()
        let delivered = DeliveryID("dlv_delivered")
        let retried = DeliveryID("dlv_retried")
        let exhausted = DeliveryID("dlv_exhausted")
        let notDue = DeliveryID("dlv_not_due")
        try fixture.add(delivered, endpoint: EndpointID("whk_delivered"))
        try fixture.add(retried, endpoint: EndpointID("whk_retried"))
        // Three attempts made of the four allowed: this is its last.
        try fixture.add(exhausted, endpoint: EndpointID("whk_exhausted"), attempts: 3)
        try fixture.add(notDue, endpoint: EndpointID("whk_not_due"), dueIn: .seconds(3600))
        let retriedURL = DispatcherFixture.url(app: AppID("app_a"), endpoint: EndpointID("whk_retried"))
        let exhaustedURL = DispatcherFixture.url(app: AppID("app_a"), endpoint: EndpointID("whk_exhausted"))
        fixture.transport.script(retriedURL, .answered(status: 500, retryAfter: nil))
        fixture.transport.script(exhaustedURL, .failed(.connection("connection refused")))
        let startedAt = fixture.clock.unixMillis

        try await fixture.withRunningDispatcher { _ in
            await fixture.queue.state.wait { $0.attemptsRecorded == 3 }
        }

        let queue = fixture.queue.state.value
        #expect(queue.row(delivered)?.status == .succeeded)
        #expect(queue.row(delivered)?.attempts.map(\.httpStatus) == [200])
        #expect(queue.row(retried)?.status == .pending, "a failed attempt with attempts left is retried")
        #expect(queue.row(retried)?.attempts.map(\.httpStatus) == [500])
        #expect(queue.row(retried)?.nextAttemptAt == startedAt + .seconds(60), "after the schedule's first delay")
        #expect(queue.row(exhausted)?.status == .failed, "the last allowed attempt failed")
        #expect(queue.row(exhausted)?.attempts.map(\.number) == [4])
        #expect(queue.row(exhausted)?.attempts.first?.error == "connection failed: connection refused")
        #expect(queue.row(notDue)?.attempts.isEmpty == true, "a delivery not due yet is not claimed")
        #expect(queue.leased == 0, "every lease ends with its attempt's record")
        let sent = fixture.transport.state.value.sent
        #expect(sent.count == 3)
        #expect(!sent.contains(DispatcherFixture.url(app: AppID("app_a"), endpoint: EndpointID("whk_not_due"))))
    }

    @Test(arguments: [
        (AttemptOutcome.answered(status: 503, retryAfter: nil), Duration.seconds(60)),
        (AttemptOutcome.answered(status: 429, retryAfter: .seconds(120)), Duration.seconds(120)),
    ])
    func backsOffAndSendsAgainWhenTheRetryFallsDue(failure: AttemptOutcome, delay: Duration) async throws {
        let fixture = DispatcherFixture()
        let id = DeliveryID("dlv_backs_off")
        try fixture.add(id)
        fixture.transport.script(DispatcherFixture.url(app: AppID("app_a"), endpoint: EndpointID("whk_a")), failure)
        let first = fixture.clock.unixMillis

        try await fixture.withRunningDispatcher { _ in
            await fixture.queue.state.wait { $0.attemptsRecorded == 1 }
            #expect(fixture.queue.state.value.row(id)?.nextAttemptAt == first + delay)
            fixture.clock.advance(by: delay)
            fixture.signal.wake()
            await fixture.queue.state.wait { $0.row(id)?.status == .succeeded }
        }

        let row = try #require(fixture.queue.state.value.row(id))
        #expect(row.attempts.map(\.number) == [1, 2])
        #expect(row.attempts.map(\.httpStatus) == [failure.httpStatus, 200])
        #expect(row.attempts.map(\.startedAt) == [first, first + delay], "the retry waited until it was due")
        #expect(fixture.transport.state.value.sent.count == 2)
    }

    @Test func aClaimThatFailsIsMadeAgain() async throws {
        let fixture = DispatcherFixture()
        let id = DeliveryID("dlv_after_outage")
        try fixture.add(id)
        fixture.queue.state.update { $0.failingClaims = 2 }

        try await fixture.withRunningDispatcher { _ in
            await fixture.queue.state.wait { $0.row(id)?.status == .succeeded }
        }

        #expect(fixture.queue.state.value.failingClaims == 0, "both failed claims were made before the one that served")
        #expect(fixture.transport.state.value.sent.count == 1)
    }

    @Test func holdsEachAppAndEndpointToItsRequestSlots() async throws {
        let fixture = DispatcherFixture(slots: 3, perApp: 2, perEndpoint: 1)
        let endpoints = [("app_a", "whk_a1"), ("app_a", "whk_a2"), ("app_b", "whk_b1"), ("app_b", "whk_b2")]
        // App A's work is the oldest: claimed first, it must still leave app B a slot.
        for (app, endpoint) in endpoints {
            for number in 1...3 {
                let id = DeliveryID("dlv_\(endpoint)_\(number)")
                try fixture.add(id, app: AppID(app), endpoint: EndpointID(endpoint))
            }
        }
        fixture.transport.hold()

        try await fixture.withRunningDispatcher { _ in
            await fixture.transport.state.wait { $0.open.count == 3 }
            fixture.transport.releaseHeld()
            await fixture.queue.state.wait { $0.attemptsRecorded == 12 }
        }

        let transport = fixture.transport.state.value
        #expect(transport.mostOpenAtOnce() == 3, "every slot is used while work waits")
        for app in ["app_a", "app_b"] {
            #expect(transport.mostOpenAtOnce { $0.contains("/\(app)/") } <= 2, "\(app) holds at most its 2 slots")
        }
        for (_, endpoint) in endpoints {
            #expect(transport.mostOpenAtOnce { $0.hasSuffix("/\(endpoint)") } <= 1, "\(endpoint) holds 1 slot")
        }
        let queue = fixture.queue.state.value
        #expect(transport.sent.count == 12, "each delivery is sent once")
        #expect(queue.rows.allSatisfy { $0.status == .succeeded && $0.attempts.count == 1 })
        #expect(queue.claims.allSatisfy { $0.limit <= 3 && $0.caps == fixture.configuration.claimCaps })
    }

    @Test func gracefulShutdownFinishesOpenRequestsAndGivesBackTheRest() async throws {
        let fixture = DispatcherFixture(slots: 1, perApp: 1, perEndpoint: 1)
        let ids = (1...3).map { DeliveryID("dlv_\($0)") }
        for id in ids { try fixture.add(id) }
        fixture.transport.hold()

        try await fixture.withRunningDispatcher { shutdown in
            // One request open, one delivery claimed ahead waiting for its slot.
            await fixture.transport.state.wait { $0.open.count == 1 }
            await fixture.queue.state.wait { $0.leased == 2 }
            shutdown.triggerGracefulShutdown()
            await fixture.queue.state.wait { $0.releasedUnsent.count == 1 }
            fixture.transport.releaseHeld()
        }

        let queue = fixture.queue.state.value
        #expect(queue.row(ids[0])?.status == .succeeded, "the open request ran to its end and was recorded")
        #expect(queue.releasedUnsent == [ids[1]], "what waited for a slot was given back unsent")
        for id in ids.dropFirst() {
            #expect(queue.row(id)?.status == .pending)
            #expect(queue.row(id)?.attempts.isEmpty == true)
        }
        #expect(queue.leased == 0)
        #expect(fixture.transport.state.value.sent.count == 1)
        #expect(queue.left.count == 1 && queue.dispatchers.isEmpty, "the dispatcher left the queue")
        #expect(fixture.dispatcher.attemptsInFlight == 0)
    }

    @Test func dropsEveryLeaseAtStartWhenItOwnsTheQueue() async throws {
        let fixture = DispatcherFixture { $0.releaseLeasesOnStart = true }
        let id = DeliveryID("dlv_left_leased")
        try fixture.add(id)
        // Leased by a dispatcher that stopped mid-attempt, for long after the clock's now.
        fixture.queue.state.update { $0.rows[0].leasedUntil = fixture.clock.unixMillis + .seconds(3600) }

        try await fixture.withRunningDispatcher { _ in
            await fixture.queue.state.wait { $0.row(id)?.status == .succeeded }
        }

        #expect(fixture.queue.state.value.releasedAllLeases == 1)
    }
}
