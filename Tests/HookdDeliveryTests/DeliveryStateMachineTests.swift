import HookdCore
import HookdDelivery
import Testing

@Suite struct DeliveryStateMachineTests {
    static let policy = ScheduledRetryPolicy(
        schedule: [.seconds(60), .seconds(300), .seconds(1800)],
        jitter: 0,
        retryAfterBounds: .seconds(1) ... .seconds(3600)
    )

    @Test func aSuccessOnTheFirstAttemptEndsTheDelivery() {
        var machine = DeliveryStateMachine(attempts: 0, attemptsAllowed: 4, policy: Self.policy)
        #expect(machine.claimed() == .send(number: 1))
        #expect(
            machine.finished(.answered(status: 204, retryAfter: nil), now: UnixMillis(1_000))
                == .record(status: .succeeded, nextAttemptAt: nil)
        )
        #expect(machine.state == .succeeded(attempts: 1))
        #expect(machine.claimed() == .ignore)
    }

    @Test func failuresFollowTheScheduleThenFailForGood() {
        var machine = DeliveryStateMachine(attempts: 0, attemptsAllowed: 4, policy: Self.policy)
        var now = UnixMillis(1_000_000)
        var scheduled: [Duration] = []
        for _ in 0..<3 {
            _ = machine.claimed()
            guard
                case .record(.pending, let next?) = machine.finished(.answered(status: 500, retryAfter: nil), now: now)
            else {
                Issue.record("expected a retry")
                return
            }
            scheduled.append(next - now)
            now = next
        }
        #expect(scheduled == [.seconds(60), .seconds(300), .seconds(1800)])
        #expect(machine.claimed() == .send(number: 4))
        #expect(
            machine.finished(.failed(.timeout(.seconds(10), received: "nothing")), now: now)
                == .record(status: .failed, nextAttemptAt: nil)
        )
        #expect(machine.state == .failed(attempts: 4))
    }

    @Test func anAttemptHookdInterruptsIsDueAgainAtOnceEvenWhenItWasTheLast() {
        var machine = DeliveryStateMachine(attempts: 3, attemptsAllowed: 4, policy: Self.policy)
        #expect(machine.claimed() == .send(number: 4))
        #expect(
            machine.finished(.failed(.interrupted), now: UnixMillis(5_000))
                == .record(status: .pending, nextAttemptAt: UnixMillis(5_000))
        )
        #expect(machine.state == .scheduled(attempts: 4, at: UnixMillis(5_000)))
    }

    @Test(arguments: [
        AttemptOutcome.answered(status: 302, retryAfter: nil), .answered(status: 404, retryAfter: nil),
        .answered(status: 199, retryAfter: nil), .failed(.connection("connection refused")),
        .failed(.forbiddenTarget("x")),
        .failed(.secretUnavailable),
    ])
    func anythingButA2xxIsAFailure(outcome: AttemptOutcome) {
        var machine = DeliveryStateMachine(attempts: 0, attemptsAllowed: 2, policy: Self.policy)
        _ = machine.claimed()
        #expect(
            machine.finished(outcome, now: UnixMillis(0))
                == .record(status: .pending, nextAttemptAt: UnixMillis(60_000))
        )
    }

    @Test func retryAfterOn429And503ReplacesTheScheduleWithinBounds() {
        for (status, retryAfter, expected) in [
            (429, Duration.seconds(7), UnixMillis(7_000)), (503, .seconds(0), UnixMillis(1_000)),
            (503, .seconds(86_400), UnixMillis(3_600_000)), (500, .seconds(7), UnixMillis(60_000)),
        ] {
            var machine = DeliveryStateMachine(attempts: 0, attemptsAllowed: 4, policy: Self.policy)
            _ = machine.claimed()
            #expect(
                machine.finished(.answered(status: status, retryAfter: retryAfter), now: UnixMillis(0))
                    == .record(status: .pending, nextAttemptAt: expected)
            )
        }
    }

    @Test func jitterStaysWithinTwentyPercent() {
        for draw in [0.0, 0.25, 0.5, 0.999] {
            let policy = ScheduledRetryPolicy(
                schedule: [.seconds(60)],
                jitter: 0.2,
                retryAfterBounds: .seconds(1) ... .seconds(3600),
                random: { draw }
            )
            let delay = policy.delay(afterAttempt: 1, retryAfter: nil)
            #expect(delay >= .seconds(48) && delay <= .seconds(72))
        }
        let low = ScheduledRetryPolicy(
            schedule: [.seconds(60)],
            jitter: 0.2,
            retryAfterBounds: .seconds(1) ... .seconds(3600),
            random: { 0 }
        )
        #expect(low.delay(afterAttempt: 1, retryAfter: nil) == .seconds(48))
    }

    @Test func aManualRetryBeyondTheScheduleWaitsTheLastStep() {
        #expect(Self.policy.delay(afterAttempt: 9, retryAfter: nil) == .seconds(1800))
        var machine = DeliveryStateMachine(attempts: 4, attemptsAllowed: 5, policy: Self.policy)
        #expect(machine.claimed() == .send(number: 5))
        #expect(
            machine.finished(.answered(status: 500, retryAfter: nil), now: UnixMillis(0))
                == .record(status: .failed, nextAttemptAt: nil)
        )
    }

    @Test func finishingWithoutAClaimIsIgnored() {
        var machine = DeliveryStateMachine(attempts: 0, attemptsAllowed: 4, policy: Self.policy)
        #expect(machine.finished(.answered(status: 200, retryAfter: nil), now: UnixMillis(0)) == .ignore)
        #expect(machine.state == .pending(attempts: 0))
    }

    /// SPEC §11.1: a v3.20 endpoint's delivery is tried at once, then after 5 minutes, 30 minutes, 2 hours and 6
    /// hours, and fails after the fifth attempt; the v3 URL keeps its own schedule.
    @Test func aV320EndpointRetriesOnItsOwnScheduleFiveAttemptsInAll() {
        var configuration = DeliveryConfiguration()
        configuration.retryJitter = 0
        #expect(configuration.attemptsAllowed == AttemptsAllowed(v3URL: 4, endpoint: 5))
        let endpointPolicy = ScheduledRetryPolicy(configuration, for: .v3_20)
        var machine = DeliveryStateMachine(
            attempts: 0,
            attemptsAllowed: configuration.attemptsAllowed.endpoint,
            policy: endpointPolicy
        )
        var now = UnixMillis(1_000_000)
        var waits: [Duration] = []
        while case .send = machine.claimed() {
            let action = machine.finished(.answered(status: 500, retryAfter: nil), now: now)
            guard case .record(.pending, let next?) = action else {
                #expect(action == .record(status: .failed, nextAttemptAt: nil))
                break
            }
            waits.append(next - now)
            now = next
        }
        #expect(waits == [.seconds(300), .seconds(1800), .seconds(7200), .seconds(21_600)])
        #expect(machine.state == .failed(attempts: 5))
        let v3Policy = ScheduledRetryPolicy(configuration, for: .v3)
        #expect((1...3).map { v3Policy.delay(afterAttempt: $0, retryAfter: nil) } == configuration.retrySchedule)
    }
}
