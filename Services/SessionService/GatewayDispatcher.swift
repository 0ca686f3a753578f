import Foundation
import ServiceKit

/// Hands deliveries to gateways, one HTTP call carrying many. A lone delivery goes out at
/// once; the ones that arrive while a gateway already has `maxCallsInFlight` calls open
/// wait for the next call to it, which takes up to `maxBatch` of them. Under load a call
/// therefore carries everything that queued during the previous one, and its cost is
/// shared, without a timer adding latency when it is quiet.
///
/// Order per user is kept by the caller: the delivery coordinator waits for one message's
/// outcome before it hands over that user's next one.
actor GatewayDispatcher {
    private struct Waiting {
        let delivery: GatewayDeliveryAPI.Delivery
        let continuation: CheckedContinuation<GatewayDeliveryAPI.Outcome, Never>
    }

    /// The deliveries waiting for one gateway, and its open calls.
    private struct Lane {
        var waiting: [Waiting] = []
        var callsInFlight = 0
    }

    private let client: GatewayClient
    private let maxBatch: Int
    private let maxCallsInFlight: Int
    private var lanes: [String: Lane] = [:]
    /// How many HTTP calls went out (what batching saves shows here).
    private(set) var callsMade = 0

    init(client: GatewayClient, maxBatch: Int = 500, maxCallsInFlight: Int = 2) {
        precondition(maxBatch >= 1 && maxCallsInFlight >= 1)
        self.client = client
        self.maxBatch = maxBatch
        self.maxCallsInFlight = maxCallsInFlight
    }

    /// The gateway's answer for this one message.
    func send(_ message: Data, to user: String, at gatewayURL: String) async -> GatewayDeliveryAPI.Outcome {
        await withCheckedContinuation { continuation in
            lanes[gatewayURL, default: Lane()].waiting.append(
                Waiting(delivery: GatewayDeliveryAPI.Delivery(user: user, message: message), continuation: continuation))
            callIfPossible(gatewayURL)
        }
    }

    private func callIfPossible(_ gatewayURL: String) {
        guard var lane = lanes[gatewayURL], !lane.waiting.isEmpty, lane.callsInFlight < maxCallsInFlight else { return }
        let batch = Array(lane.waiting.prefix(maxBatch))
        lane.waiting.removeFirst(batch.count)
        lane.callsInFlight += 1
        lanes[gatewayURL] = lane
        callsMade += 1
        Task { [client] in
            let outcomes = await client.send(batch.map(\.delivery), at: gatewayURL)
            self.finished(batch, outcomes: outcomes, at: gatewayURL)
        }
    }

    private func finished(_ batch: [Waiting], outcomes: [GatewayDeliveryAPI.Outcome], at gatewayURL: String) {
        for (index, waiting) in batch.enumerated() {
            // The client answers once per delivery; anything else counts as a failed call.
            waiting.continuation.resume(returning: outcomes.count == batch.count ? outcomes[index] : .error)
        }
        lanes[gatewayURL]?.callsInFlight -= 1
        if let lane = lanes[gatewayURL], lane.waiting.isEmpty, lane.callsInFlight == 0 {
            lanes.removeValue(forKey: gatewayURL)
        } else {
            callIfPossible(gatewayURL)
        }
    }
}
