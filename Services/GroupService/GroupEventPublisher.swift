import Broker
import ChatProtocol
import Contracts
import Foundation
import Groups
import ServiceKit

/// Tells everyone affected by a change, through `system-message` (keyed by member, so each
/// copy is an ordinary one-to-one delivery, stored for members who are offline), and puts
/// the change marker on `new-group-message` so group-router drops its cached member list.
/// Returns once the broker holds all of it: a REST change is answered only then, so the
/// next message sent after the answer is already routed with the new member list.
struct GroupEventPublisher: Sendable {
    let producer: BrokerProducer
    let systemMessageTopic: String
    let newGroupMessageTopic: String

    func publish(_ events: [GroupEvent], groupId: String, actor: String, recipients: [String], trackId: String) async throws {
        var receipts: [ProduceReceipt] = []
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        for event in events {
            let notification = event.notification(groupId: groupId, actor: actor, eventId: UUID().uuidString, now: now)
            for recipient in recipients {
                receipts.append(try await producer.enqueue(notification, topic: systemMessageTopic, key: recipient, trackId: trackId))
            }
        }
        receipts.append(
            try await producer.enqueue(
                topic: newGroupMessageTopic, key: groupId, value: Data(),
                headers: [TrackId.header(trackId), BrokerHeader(name: GroupChangeMarker.header, string: groupId)]))
        for receipt in receipts {
            _ = try await receipt.stored()
        }
    }
}
