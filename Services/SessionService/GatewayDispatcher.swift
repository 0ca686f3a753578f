import Contracts
import Foundation
import Pipeline
import ServiceKit
import Synchronization

/// Hands deliveries to gateways, one HTTP call carrying many: a group commit per gateway.
/// A lone delivery goes out at once; the ones that arrive while a gateway already has
/// `maxCallsInFlight` calls open wait for the next call to it, which takes up to
/// `maxBatch` of them. Under load a call therefore carries everything that queued during
/// the previous one, and its cost is shared, without a timer adding latency when it is
/// quiet.
///
/// Order per user is kept by the caller: the delivery coordinator waits for one message's
/// outcome before it hands over that user's next one.
final class GatewayDispatcher: Sendable {
    private typealias Lane = Batches<GatewayDeliveryAPI.Delivery, PushOutcome>

    private let client: GatewayClient
    private let maxBatch: Int
    private let maxCallsInFlight: Int
    /// One lane per gateway URL; gateways are few and their URLs configured, so lanes are kept.
    private let lanes = Mutex<[String: Lane]>([:])

    init(client: GatewayClient, maxBatch: Int = 500, maxCallsInFlight: Int = 2) {
        self.client = client
        self.maxBatch = maxBatch
        self.maxCallsInFlight = maxCallsInFlight
    }

    /// How many HTTP calls went out (what batching saves shows here).
    var callsMade: Int {
        lanes.withLock { $0.values.reduce(0) { $0 + $1.batchesHandled } }
    }

    /// What pushing this one message came to.
    func send(_ message: Data, to user: String, at gatewayInternalURL: String) async -> PushOutcome {
        let delivery = GatewayDeliveryAPI.Delivery(user: user, message: message)
        // The client turns every failure into outcomes, so submit throws only if the
        // answers were miscounted.
        return (try? await lane(for: gatewayInternalURL).submit(delivery)) ?? .failed
    }

    private func lane(for gatewayInternalURL: String) -> Lane {
        lanes.withLock { lanes in
            if let lane = lanes[gatewayInternalURL] { return lane }
            let client = client
            let lane = Lane(maxBatch: maxBatch, maxBatchesInFlight: maxCallsInFlight, outcomes: { batch in
                await client.send(batch, at: gatewayInternalURL)
            })
            lanes[gatewayInternalURL] = lane
            return lane
        }
    }
}
