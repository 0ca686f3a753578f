import Broker
import Foundation
import Logging
import Synchronization

/// The floor under every latency we report: the broker's own produce-to-consume round trip
/// at the same rate, with the same client library and settings the services use (acks=all,
/// idempotent producer, consumer group). One hop of our pipeline costs at least this.
enum BrokerFloor {
    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    static func measure(brokers: String, rate: Int, count: Int, logger: Logger) async throws -> LatencySummary {
        let configuration = BrokerConfiguration(bootstrapServers: brokers, clientId: "vartalap-load")
        let topic = "load-floor-\(UUID().uuidString.prefix(8).lowercased())"
        try await TopicAdmin(configuration: configuration, logger: logger).createTopics([TopicSpec(name: topic, partitions: 1)])
        let consumer = try BrokerConsumer(
            configuration: configuration, groupId: topic, topics: [topic], logger: logger,
            options: ConsumerOptions(startFromEarliest: true))
        let producer = try BrokerProducer(configuration: configuration, logger: logger, lingerMilliseconds: 0)
        let latencies = LatencyRecorder()
        let probe = ProbeSeen()

        let reader = Task {
            var received = 0
            for await message in consumer.messages {
                let now = Clock.microseconds()
                if message.value == ProbeSeen.value {
                    probe.mark()
                    consumer.resolve(message)
                    continue
                }
                if let sentAt = UInt64(String(decoding: message.value, as: UTF8.self)), now >= sentAt {
                    latencies.record(microseconds: now - sentAt)
                }
                consumer.resolve(message)
                received += 1
                if received == count { break }
            }
        }
        let joinDeadline = ContinuousClock.now + .seconds(30)
        while !consumer.hasJoinedGroup {
            guard ContinuousClock.now < joinDeadline else { throw Failed(description: "the floor consumer did not join its group") }
            try await Task.sleep(for: .milliseconds(20))
        }
        // Joining is not fetching yet: librdkafka 2.0.2 starts fetching a new assignment
        // hundreds of ms later, which would show up as a tail that is not the broker's.
        // Measuring starts once one probe record made the whole trip.
        _ = try await producer.enqueue(topic: topic, key: nil, value: ProbeSeen.value)
        let probeDeadline = ContinuousClock.now + .seconds(30)
        while !probe.seen {
            guard ContinuousClock.now < probeDeadline else { throw Failed(description: "the floor consumer never fetched") }
            try await Task.sleep(for: .milliseconds(5))
        }

        let start = ContinuousClock.now
        var receipts: [ProduceReceipt] = []
        for index in 0..<count {
            let due = start + .microseconds(Int64(index) * 1_000_000 / Int64(rate))
            if due > ContinuousClock.now { try await Task.sleep(until: due) }
            receipts.append(try await producer.enqueue(topic: topic, key: nil, value: Data(String(Clock.microseconds()).utf8)))
        }
        for receipt in receipts { _ = try await receipt.stored() }
        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await reader.value; return true }
            group.addTask { try? await Task.sleep(for: .seconds(30)); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        await consumer.close()
        await producer.close()
        guard finished else { throw Failed(description: "the floor consumer did not receive all \(count) records") }
        return latencies.summary
    }
}

/// Set once the floor consumer received the probe record.
private final class ProbeSeen: Sendable {
    static let value = Data("probe".utf8)
    private let flag = Mutex(false)

    var seen: Bool { flag.withLock { $0 } }
    func mark() { flag.withLock { $0 = true } }
}
