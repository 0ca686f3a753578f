import ArgumentParser
import Foundation

/// The offline path: messages for recipients who are not connected are stored, then
/// redelivered when they connect, and deleted once acked. Reports the rate of each step and,
/// first, the database floor: the same database doing only those steps' queries.
///
/// Progress is read from persistence's counters, not by listing the stored messages: on a
/// slow database, listing 20 users' messages every few hundred milliseconds competes with
/// the writes it is waiting for. The listing is checked once, after the timing.
struct OfflineLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offline", abstract: "Stores messages for offline recipients, then measures their redelivery on connect.")

    @Option(help: "The public URL.") var publicUrl = "http://127.0.0.1:8080/v1.0"
    @Option(help: "Recipients (each gets messages / recipients messages); as many senders.") var recipients = 20
    @Option(help: "Messages in all.") var messages = 20_000
    @Option(help: "Seconds to wait for each phase.") var timeout = 300
    @Option(help: "persistence's Prometheus page.") var persistenceMetricsUrl = "http://127.0.0.1:8106/metrics"
    @Option(help: "The database, for the floor.") var mongoUrl = "mongodb://127.0.0.1:27117"
    @Option(help: "The database name, for the floor (a scratch collection, dropped afterwards).") var mongoDatabase = "vartalap"
    @Flag(inversion: .prefixedNo, help: "Measure the database floor first.") var databaseFloor = true
    @Flag(
        inversion: .prefixedNo,
        help: "Also time the conversation history's writes of the same messages (persistence with --history-retention-days above 0).")
    var history = true

    func run() async throws {
        if databaseFloor {
            let floor = try await DatabaseFloor.measure(
                mongoURL: mongoUrl, database: mongoDatabase, recipients: recipients, documents: messages)
            print("database floor: \(floor)")
        }
        let storedBefore = try await counter("persistence_messages_stored_total")
        let deletedBefore = try await counter("persistence_acks_total")
        let historyBefore = history ? try await counter("history_messages_written_total") : 0
        let prefix = "offline-\(UUID().uuidString.prefix(6).lowercased())"
        let senders = (0..<recipients).map { "\(prefix)-s\($0)" }
        let receivers = (0..<recipients).map { "\(prefix)-r\($0)" }
        let keys = try await Login.accessKeys(for: senders + receivers, publicURL: publicUrl)
        let url = publicUrl.replacingOccurrences(of: "http", with: "ws", options: .anchored) + "/wss/?format=text&ack=true"
        let tally = RunTally()
        let senderUsers = senders.map { VirtualUser(name: $0, tally: tally, measuring: { true }) }
        let receiverUsers = receivers.map { VirtualUser(name: $0, tally: tally, measuring: { true }) }

        try await withThrowingTaskGroup(of: Void.self) { group in
            for user in senderUsers { try await user.open(url: url, key: keys[user.name]!, in: &group) }
            let started = ContinuousClock.now
            for index in 0..<messages {
                senderUsers[index % recipients].send(to: receivers[index % recipients], id: "o\(index)")
                if index % 500 == 499 { await Task.yield() }
            }
            try await waitFor("every message server-acked") { tally.counts.serverAcked >= messages }
            let acked = ContinuousClock.now - started
            try await waitFor("every message stored") {
                try await counter("persistence_messages_stored_total") - storedBefore >= Double(messages)
            }
            let stored = ContinuousClock.now - started
            print("stored \(messages) messages for \(recipients) offline recipients: server-acked after \(acked), all stored after \(stored) (\(Rate.perSecond(messages, stored)) msg/s)")
            if history {
                // The same messages pass send-message, where the history's own consumer group
                // writes them in batches beside the offline path.
                try await waitFor("every message written to the history") {
                    try await counter("history_messages_written_total") - historyBefore >= Double(messages)
                }
                let written = ContinuousClock.now - started
                print("history: all \(messages) written after \(written) (\(Rate.perSecond(messages, written)) msg/s)")
            }
            var listed = 0
            for receiver in receivers { listed += try await StoredMessages.count(of: receiver, key: keys[receiver]!, publicURL: publicUrl) }
            guard listed == messages else {
                throw Login.Failed(description: "persistence counted \(messages) stored, but GET /messages lists \(listed)")
            }

            let reconnected = ContinuousClock.now
            for user in receiverUsers { try await user.open(url: url, key: keys[user.name]!, in: &group) }
            try await waitFor("every stored message redelivered") { tally.counts.delivered >= messages }
            let redelivered = ContinuousClock.now - reconnected
            print("redelivered on connect after \(redelivered) (\(Rate.perSecond(messages, redelivered)) msg/s)")
            try await waitFor("every redelivered message deleted on its ack") {
                try await counter("persistence_acks_total") - deletedBefore >= Double(messages)
            }
            let deleted = ContinuousClock.now - reconnected
            let counts = tally.counts
            print("deleted on ack \(deleted) after the connect (\(Rate.perSecond(messages, deleted)) msg/s); lost \(counts.lost), duplicates \(counts.duplicates)")
            (senderUsers + receiverUsers).forEach { $0.close() }
            group.cancelAll()
        }
    }

    private func waitFor(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw Login.Failed(description: "timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    private func counter(_ name: String) async throws -> Double {
        try await PrometheusCounter.value(name, at: persistenceMetricsUrl)
    }
}
