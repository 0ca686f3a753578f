import ChatProtocol
@testable import SessionService
import Testing

@Suite struct RecentStoredCopyAcksTests {
    private static func ack(_ id: String, by user: String) -> ChatMessage {
        ChatMessage(id: id, type: .clientAck, channel: .individual, source: user, destination: ChatMessage.serverUser)
    }

    @Test func anAckIsKeptForAMinuteForItsUserAndMessageOnly() {
        var acks = RecentStoredCopyAcks()
        let start = ContinuousClock.now
        acks.record(Self.ack("m1", by: "ann"), for: .init(user: "ann", messageId: "m1"), at: start)
        #expect(acks.ack(for: .init(user: "ann", messageId: "m1"), at: start + .seconds(59))?.id == "m1")
        #expect(acks.ack(for: .init(user: "ann", messageId: "m1"), at: start + .seconds(61)) == nil)
        #expect(acks.ack(for: .init(user: "bob", messageId: "m1"), at: start) == nil)
        #expect(acks.ack(for: .init(user: "ann", messageId: "m2"), at: start) == nil)
    }

    @Test func expiredAcksArePrunedOnceTheMapGrowsPastItsThreshold() {
        var acks = RecentStoredCopyAcks()
        let start = ContinuousClock.now
        for index in 0..<RecentStoredCopyAcks.pruneThreshold {
            acks.record(Self.ack("old-\(index)", by: "ann"), for: .init(user: "ann", messageId: "old-\(index)"), at: start)
        }
        let later = start + .seconds(120)
        acks.record(Self.ack("new", by: "ann"), for: .init(user: "ann", messageId: "new"), at: later)
        #expect(acks.count == 1)
        #expect(acks.ack(for: .init(user: "ann", messageId: "new"), at: later) != nil)
    }
}
