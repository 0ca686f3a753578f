import Foundation
import TestSupport
import XCTest

/// A fatal broker client error must end the process (so a restart policy brings the
/// service back) instead of leaving it alive with a dead consumer.
final class FencedInstanceTests: XCTestCase {
    /// A second instance started with the same static member id fences the first: the
    /// broker will never give the first one partitions again, so it exits with 70.
    func testAnInstanceFencedByItsReplacementExitsToBeRestarted() async throws {
        let names = try await makeTopics(["new-message", "send-message", "system-message", "new-group-message", "dead-letter"])
        let group = TestStack.uniqueName("message-router")
        let arguments = [
            "--kafka-brokers", try TestStack.brokers(), "--app-name", group, "--kafka-group-instance-id", "router-1",
            "--new-message-topic", names[0], "--send-message-topic", names[1], "--system-message-topic", names[2],
            "--new-group-message-topic", names[3], "--dead-letter-topic", names[4],
        ]
        let first = try await ServiceProcess.start("message-router", arguments: arguments)
        addTeardownBlock { first.kill() }
        try await eventually("the first instance to get its partitions") { first.output.contains("partitions assigned") }

        let second = try await ServiceProcess.start("message-router", arguments: arguments)
        addTeardownBlock { second.kill() }
        try await eventually(timeout: .seconds(60), "the fenced instance to exit") { !first.isRunning }
        XCTAssertEqual(first.exitStatus, 70, first.output)
        XCTAssertTrue(first.output.contains("fatal broker client error"), first.output)
        XCTAssertTrue(second.isRunning, "the replacement keeps running")
    }
}
