import Pipeline
import Synchronization
import XCTest

final class BatchesTests: XCTestCase {
    /// Items handed over while a batch is being handled go out together in the next one.
    func testItemsGatherWhileABatchIsHandled() async throws {
        let gate = Gate()
        let batches = Recorded<[Int]>()
        let subject = Batches<Int, Int>(maxBatch: 100, outcomes: { batch in
            batches.append(batch)
            if batch == [0] { await gate.wait() }
            return batch.map { $0 * 10 }
        })
        let first = Task { try await subject.submit(0) }
        while batches.values.isEmpty { await Task.yield() }
        let rest = (1...5).map { item in Task { try await subject.submit(item) } }
        while subject.queued < 5 { await Task.yield() }
        await gate.open()
        let firstOutcome = try await first.value
        XCTAssertEqual(firstOutcome, 0)
        var outcomes: [Int] = []
        for task in rest { outcomes.append(try await task.value) }
        XCTAssertEqual(outcomes, [10, 20, 30, 40, 50], "each submitter gets its own outcome")
        XCTAssertEqual(batches.values.count, 2, "the five waiting items should share one batch: \(batches.values)")
        XCTAssertEqual(Set(batches.values[1]), [1, 2, 3, 4, 5])
    }

    /// With one batch in flight, enqueued items are handled in hand-over order, and
    /// `drained` returns only once all of them are.
    func testEnqueuedItemsKeepTheirOrderAndDrainedWaitsForThem() async {
        let handled = Recorded<Int>()
        let subject = Batches<Int, Void>(maxBatch: 7, handle: { batch in
            for item in batch { handled.append(item) }
            await Task.yield()
        })
        for item in 0..<500 { subject.enqueue(item) }
        await subject.drained()
        XCTAssertEqual(handled.values, Array(0..<500))
        XCTAssertGreaterThanOrEqual(subject.batchesHandled, 500 / 7)
    }

    func testAFailedBatchFailsEachOfItsItems() async {
        struct Refused: Error {}
        let subject = Batches<Int, Void>(maxBatch: 10, handle: { _ in throw Refused() })
        do {
            try await subject.submit(1)
            XCTFail("the failure was not passed on")
        } catch {
            XCTAssertTrue(error is Refused)
        }
    }

    func testAHandlerThatAnswersTooFewOutcomesFailsTheBatch() async {
        let subject = Batches<Int, Int>(maxBatch: 10, outcomes: { _ in [] })
        do {
            _ = try await subject.submit(1)
            XCTFail("a missing outcome was not reported")
        } catch let error as Batches<Int, Int>.MissingOutcomes {
            XCTAssertEqual(error.expected, 1)
            XCTAssertEqual(error.got, 0)
        } catch {
            XCTFail("unexpected \(error)")
        }
    }

    func testDrainedReturnsAtOnceWhenIdle() async {
        let subject = Batches<Int, Void>(maxBatch: 1, handle: { _ in })
        await subject.drained()
        XCTAssertEqual(subject.batchesHandled, 0)
    }
}

private final class Recorded<Value: Sendable>: Sendable {
    private let storage = Mutex<[Value]>([])
    func append(_ value: Value) { storage.withLock { $0.append(value) } }
    var values: [Value] { storage.withLock { $0 } }
}

/// Holds a handler until the test opens it.
private actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        waiters.forEach { $0.resume() }
        waiters.removeAll()
    }
}
