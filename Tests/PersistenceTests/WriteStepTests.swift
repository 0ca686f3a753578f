import XCTest

@testable import Persistence

final class WriteStepTests: XCTestCase {
    func testRunsOfStoresAndAcksBecomeOneWriteEachInRecordOrder() {
        let m1 = stored(offlineMessage("m1"), sequence: 1)
        let m2 = stored(offlineMessage("m2"), sequence: 2)
        let m3 = stored(offlineMessage("m3"), sequence: 5)
        let ack1 = Acknowledgement(recipient: "bob", id: "m1")
        let ack2 = Acknowledgement(recipient: "bob", id: "m2")
        let events: [OfflineEvent] = [
            .store(m1), .ignoreEphemeral, .store(m2), .acknowledge(ack1), .invalid("garbage"), .acknowledge(ack2), .store(m3),
        ]
        XCTAssertEqual(WriteStep.plan(events), [.insert([m1, m2]), .delete([ack1, ack2]), .insert([m3])])
        XCTAssertEqual(WriteStep.plan([.ignoreEphemeral, .invalid("x")]), [])
    }
}
