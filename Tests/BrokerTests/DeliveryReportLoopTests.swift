import Broker
import Foundation
import NIOCore
import NIOPosix
import Synchronization
import TestSupport
import XCTest

/// A producer's delivery reports are served on the event loop it was given, not on a
/// thread of its own (MainQueueOnEventLoop), against the real broker.
final class DeliveryReportLoopTests: XCTestCase {
    func testReportsRunOnTheProducersEventLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let topic = try await makeTopic(partitions: 2)
        let producer = try BrokerProducer(
            configuration: try TestStack.brokerConfiguration(), logger: TestStack.logger, lingerMilliseconds: 0,
            eventLoop: loop)
        let onLoop = Mutex<[Bool]>([])
        var receipts: [ProduceReceipt] = []
        // Enqueued from this test's thread, which is not the loop: a report served
        // anywhere but the loop shows up as `false`.
        for index in 0..<50 {
            let receipt = try await producer.enqueue(topic: topic, key: "k\(index % 5)", value: Data("v\(index)".utf8))
            receipt.whenDone { _ in onLoop.withLock { $0.append(loop.inEventLoop) } }
            receipts.append(receipt)
        }
        for receipt in receipts { try await receipt.stored() }
        await producer.close()
        try await group.shutdownGracefully()

        let seen = onLoop.withLock { $0 }
        XCTAssertEqual(seen.count, 50)
        XCTAssertEqual(seen.filter { !$0 }.count, 0, "reports served off the producer's event loop")
    }

    func testCloseRightAfterSendingSettlesEveryReceipt() async throws {
        let topic = try await makeTopic(partitions: 1)
        let producer = try BrokerProducer(configuration: try TestStack.brokerConfiguration(), logger: TestStack.logger)
        var receipts: [ProduceReceipt] = []
        for index in 0..<200 {
            receipts.append(try await producer.enqueue(topic: topic, key: "k", value: Data("v\(index)".utf8)))
        }
        await producer.close()
        // close flushes: every record was stored, and none waits forever for a report.
        var stored = 0
        for receipt in receipts {
            do {
                try await receipt.stored()
                stored += 1
            } catch {
                XCTFail("a record enqueued before close was not stored: \(error)")
            }
        }
        XCTAssertEqual(stored, 200)
    }
}
