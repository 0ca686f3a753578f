import ArgumentParser
import Foundation

/// The offline path: messages for recipients who are not connected are stored, then
/// redelivered when they connect. Reports the rate of each half.
struct OfflineLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offline", abstract: "Stores messages for offline recipients, then measures their redelivery on connect.")

    @Option(help: "The public URL.") var publicUrl = "http://127.0.0.1:8080/v1.0"
    @Option(help: "Recipients (each gets messages / recipients messages); as many senders.") var recipients = 20
    @Option(help: "Messages in all.") var messages = 20_000
    @Option(help: "Seconds to wait for each phase.") var timeout = 300

    func run() async throws {
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
                var stored = 0
                for receiver in receivers { stored += try await StoredMessages.count(of: receiver, key: keys[receiver]!, publicURL: publicUrl) }
                return stored >= messages
            }
            let stored = ContinuousClock.now - started
            print("stored \(messages) messages for \(recipients) offline recipients: server-acked after \(acked), all stored after \(stored) (\(Self.rate(messages, stored)) msg/s)")

            let reconnected = ContinuousClock.now
            for user in receiverUsers { try await user.open(url: url, key: keys[user.name]!, in: &group) }
            try await waitFor("every stored message redelivered") { tally.counts.delivered >= messages }
            let redelivered = ContinuousClock.now - reconnected
            let counts = tally.counts
            print("redelivered on connect after \(redelivered) (\(Self.rate(messages, redelivered)) msg/s); lost \(counts.lost), duplicates \(counts.duplicates)")
            (senderUsers + receiverUsers).forEach { $0.close() }
            group.cancelAll()
        }
    }

    private func waitFor(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw Login.Failed(description: "timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    private static func rate(_ count: Int, _ duration: Duration) -> Int {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return seconds > 0 ? Int(Double(count) / seconds) : 0
    }
}
