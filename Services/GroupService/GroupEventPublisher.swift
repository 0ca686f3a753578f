import Broker
import ChatProtocol
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
        var deliveries: [Delivery] = []
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        for event in events {
            let notification = event.notification(groupId: groupId, actor: actor, eventId: UUID().uuidString, now: now)
            for recipient in recipients {
                deliveries.append(try await producer.enqueue(notification, topic: systemMessageTopic, key: recipient, trackId: trackId))
            }
        }
        deliveries.append(
            try await producer.enqueue(
                topic: newGroupMessageTopic, key: groupId, value: Data(),
                headers: [TrackId.header(trackId), BrokerHeader(name: GroupChangeMarker.header, string: groupId)]))
        for delivery in deliveries {
            _ = try await delivery.report()
        }
    }
}
