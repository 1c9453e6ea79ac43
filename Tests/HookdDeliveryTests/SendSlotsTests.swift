import Testing

@testable import HookdDelivery

/// The dispatcher's request slots: deliveries claimed ahead wait for one, in the order they came.
@Suite struct SendSlotsTests {
    /// Starts a task that waits for a slot, and returns it once it is waiting.
    private static func waiter(on slots: SendSlots) async throws -> Task<Bool, Never> {
        let before = slots.waiting
        let task = Task { await slots.acquire() }
        while slots.waiting == before {
            try await Task.sleep(for: .milliseconds(1))
        }
        return task
    }

    @Test func aSlotGivenBackGoesToTheFirstWaiter() async throws {
        let slots = SendSlots(count: 1)
        #expect(await slots.acquire(), "a free slot is taken at once")
        let first = try await Self.waiter(on: slots)
        let second = try await Self.waiter(on: slots)
        slots.release()
        #expect(await first.value)
        #expect(slots.waiting == 1, "the second still waits")
        slots.release()
        #expect(await second.value)
        slots.release()
        #expect(await slots.acquire(), "the slot is free again once nobody waits")
    }

    @Test func openSlotsLetEveryWaiterAndLaterCallerGoWithoutOne() async throws {
        let slots = SendSlots(count: 1)
        #expect(await slots.acquire())
        let waiting = try await Self.waiter(on: slots)
        slots.open()
        #expect(await waiting.value == false, "it goes, holding no slot to give back")
        #expect(await slots.acquire() == false)
    }

    @Test func aCancelledWaiterGoesWithoutTakingTheSlot() async throws {
        let slots = SendSlots(count: 1)
        #expect(await slots.acquire())
        let waiting = try await Self.waiter(on: slots)
        waiting.cancel()
        #expect(await waiting.value == false)
        #expect(slots.waiting == 0)
        slots.release()
        #expect(await slots.acquire(), "the slot given back is free for the next caller")
    }
}
