import HookdCore
import Testing

@testable import HookdDelivery

/// The dispatcher's request slots (SPEC §13): within each app's and endpoint's cap, apps taking turns when a slot
/// comes free, and never idle while a waiter may take one.
@Suite struct RequestSlotsTests {
    static func holder(_ app: String, _ endpoint: String = "") -> RequestSlots.Holder {
        RequestSlots.Holder(appID: AppID(app), endpointID: EndpointID(endpoint.isEmpty ? app + "-url" : endpoint))
    }

    /// Starts a task that waits for a slot for `holder`, and returns it once it is waiting.
    private static func waiter(
        on slots: RequestSlots,
        _ holder: RequestSlots.Holder
    ) async throws -> Task<Bool, Never> {
        let before = slots.waiting
        let task = Task { await slots.acquire(holder) }
        while slots.waiting == before {
            try await Task.sleep(for: .milliseconds(1))
        }
        return task
    }

    /// One slot, held by app `a`, and a task of `a` waiting for it.
    private static func oneSlotHeldWithAWaiter() async throws -> (
        slots: RequestSlots, holder: RequestSlots.Holder, waiting: Task<Bool, Never>
    ) {
        let slots = RequestSlots(count: 1, perApp: 1, perEndpoint: 1)
        let a = holder("a")
        #expect(await slots.acquire(a))
        return (slots, a, try await waiter(on: slots, a))
    }

    @Test func aSlotGivenBackGoesToTheFirstWaiter() async throws {
        let slots = RequestSlots(count: 1, perApp: 10, perEndpoint: 10)
        let a = Self.holder("a")
        #expect(await slots.acquire(a), "a free slot is taken at once")
        let first = try await Self.waiter(on: slots, a)
        let second = try await Self.waiter(on: slots, a)
        slots.release(a)
        #expect(await first.value)
        #expect(slots.waiting == 1, "the second still waits")
        slots.release(a)
        #expect(await second.value)
        slots.release(a)
        #expect(await slots.acquire(a), "the slot is free again once nobody waits")
    }

    @Test func anAppAtItsCapWaitsWhileAnotherTakesAFreeSlot() async throws {
        let slots = RequestSlots(count: 4, perApp: 2, perEndpoint: 2)
        let greedy = Self.holder("greedy")
        #expect(await slots.acquire(greedy))
        #expect(await slots.acquire(greedy))
        let third = try await Self.waiter(on: slots, greedy)
        #expect(slots.held(byApp: AppID("greedy")) == 2, "two slots free, and the greedy app waits at its cap")
        #expect(await slots.acquire(Self.holder("quiet")), "another app takes a free slot at once")
        slots.release(greedy)
        #expect(await third.value, "below its cap again, it gets the slot given back")
        #expect(slots.held(byApp: AppID("greedy")) == 2)
    }

    @Test func anEndpointAtItsCapLeavesItsAppsShareToItsOtherEndpoints() async throws {
        let slots = RequestSlots(count: 10, perApp: 4, perEndpoint: 1)
        let slow = Self.holder("app", "slow")
        #expect(await slots.acquire(slow))
        let waitingOnSlow = try await Self.waiter(on: slots, slow)
        #expect(await slots.acquire(Self.holder("app", "other")), "passes the waiter held by its endpoint's cap")
        slots.release(slow)
        #expect(await waitingOnSlow.value)
    }

    @Test func whenSlotsComeFreeTheAppsWaitingTakeTurns() async throws {
        let slots = RequestSlots(count: 1, perApp: 10, perEndpoint: 10)
        let (a, b) = (Self.holder("a"), Self.holder("b"))
        #expect(await slots.acquire(a))
        var order: [Task<Bool, Never>] = []
        // a waits three times before b waits once: b still gets the second turn.
        order.append(try await Self.waiter(on: slots, a))
        order.append(try await Self.waiter(on: slots, a))
        order.append(try await Self.waiter(on: slots, a))
        let bTask = try await Self.waiter(on: slots, b)
        slots.release(a)
        #expect(await order[0].value, "a's first waiter, in the order the apps came")
        slots.release(a)
        #expect(await bTask.value, "then b, before a's second")
        slots.release(b)
        #expect(await order[1].value)
        slots.release(a)
        #expect(await order[2].value)
    }

    @Test func closedSlotsSendEveryWaiterAndLaterCallerAwayWithoutOne() async throws {
        let (slots, a, waiting) = try await Self.oneSlotHeldWithAWaiter()
        slots.close()
        #expect(await waiting.value == false, "told to give its delivery back")
        #expect(await slots.acquire(Self.holder("b")) == false)
    }

    @Test func aCancelledWaiterGoesWithoutTakingTheSlot() async throws {
        let (slots, a, waiting) = try await Self.oneSlotHeldWithAWaiter()
        waiting.cancel()
        #expect(await waiting.value == false)
        #expect(slots.waiting == 0)
        slots.release(a)
        #expect(await slots.acquire(a), "the slot given back is free for the next caller")
    }

    @Test func eachDispatcherHoldsItsShareOfTheCaps() async throws {
        let slots = RequestSlots(count: 64, perApp: 32, perEndpoint: 8)
        slots.share(among: 2)
        #expect(slots.caps == (16, 4))
        slots.share(among: 100)
        #expect(slots.caps == (1, 1), "at least one each")
        let a = Self.holder("a")
        #expect(await slots.acquire(a))
        let waiting = try await Self.waiter(on: slots, a)
        slots.share(among: 1)
        #expect(slots.caps == (32, 8))
        #expect(await waiting.value, "a larger share lets the waiter in at once")
    }
}
