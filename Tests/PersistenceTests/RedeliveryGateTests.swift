import Synchronization
import Testing
import TestSupport

@testable import Persistence

/// The writer's publishing for a user waits while that user's redelivery is under way.
@Suite struct RedeliveryGateTests {
    private final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        var isSet: Bool { value.load(ordering: .relaxed) }
        func set() { value.store(true, ordering: .relaxed) }
    }

    @Test func aWaiterGoesOnlyOnceEveryOneOfItsUsersIsClear() async throws {
        let gate = RedeliveryGate()
        gate.begin(["bob", "carol"])
        gate.begin(["bob"])
        let through = Flag()
        let waiter = Task {
            await gate.waitUntilClear(["bob", "dave"])
            through.set()
        }
        try await eventually("the waiter to wait") { gate.waitingCount == 1 }
        gate.end(["bob", "carol"])
        // One of bob's two redeliveries is still under way.
        await gate.waitUntilClear(["carol", "dave"])
        #expect(!through.isSet && gate.waitingCount == 1, "went while bob's second redelivery was under way")
        gate.end(["bob"])
        await waiter.value
        #expect(through.isSet)
        #expect(gate.openCount == 0)
    }

    @Test func nobodyUnderWayGoesAtOnce() async {
        let gate = RedeliveryGate()
        gate.begin(["bob"])
        await gate.waitUntilClear(["carol"])
        gate.end(["bob"])
        await gate.waitUntilClear(["bob"])
    }
}
