@testable import Broker
import XCTest

/// The revocation wait: cut short where in-flight records resolve on records that
/// nobody reads while it waits.
final class ConsumerOptionsTests: XCTestCase {
    func testARevocationWaitsTheDrainTimeoutUnlessAlwaysFetchedTopicsResolveTheWork() {
        XCTAssertEqual(ConsumerOptions(revokeDrainTimeout: .seconds(5)).revokeWait, .seconds(5))
        XCTAssertEqual(
            ConsumerOptions(revokeDrainTimeout: .seconds(5), alwaysFetchedTopics: ["client-ack"]).revokeWait,
            ConsumerOptions.revokeWaitWhenResolvedByReads)
        XCTAssertEqual(
            ConsumerOptions(revokeDrainTimeout: .milliseconds(100), alwaysFetchedTopics: ["client-ack"]).revokeWait,
            .milliseconds(100), "a shorter drain timeout stays")
    }
}
