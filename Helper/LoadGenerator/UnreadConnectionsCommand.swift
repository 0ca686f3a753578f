import ArgumentParser
import Foundation
import NIOCore
import Synchronization

/// Clients that stop reading: N connections to one gateway that never read, each sent M
/// messages by other users, while the gateway's resident memory is sampled. A gateway that
/// bounds what it buffers per connection (`--max-pending-bytes`) grows by at most about N
/// times that bound and closes the connections; one that does not grows with everything
/// sent.
struct UnreadConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unread",
        abstract: "Sends many messages to connections that never read and samples the gateway's resident memory.")

    @Option(help: "The public URL (logins go here).") var publicUrl = "http://127.0.0.1:8080/v1.0"
    @Option(help: "The gateway's public host (every connection goes straight to it, not through nginx).") var gatewayHost = "127.0.0.1"
    @Option(help: "The gateway's public port.") var gatewayPort = 8103
    @Option(help: "The gateway's Prometheus page (its open and closed connections).") var gatewayMetricsUrl = "http://127.0.0.1:8102/metrics"
    @Option(help: "The gateway's process id; default: ws-gateway-1.pid in the stack's run directory.") var gatewayPid: Int32?
    @Option(help: "The stack's run directory.") var stackRunDir = ".infra/stack/run"
    @Option(help: "Connections that never read.") var connections = 100
    @Option(help: "Messages sent to each of them.") var messages = 10_000
    @Option(help: "Users sending those messages, each over its own connection.") var senders = 10
    @Option(help: "Characters of text in each message.") var messageBytes = 1024
    @Option(help: "Messages sent but not yet server-acked, at most, all senders together.") var window = 2_000
    @Option(help: "The gateway's --max-pending-bytes, for the expected bound in the report.") var maxPendingBytes = 4 << 20
    @Option(help: "Receive buffer of each unread connection (SO_RCVBUF).") var receiveBufferBytes = 4096
    @Flag(
        inversion: .prefixedNo,
        help: "Send ephemeral messages: the gateway's path is the same, but what the connections never read is dropped instead of stored, so the database (and its memory) stays out of the run.")
    var ephemeral = true
    @Option(help: "Milliseconds between memory samples.") var sampleMs = 1000
    @Option(help: "Seconds to keep sampling once every message was server-acked and every unread connection closed.")
    var settleSeconds = 15
    @Option(help: "Seconds the whole run may take.") var timeout = 3600

    func validate() throws {
        guard connections >= 1, messages >= 1, senders >= 1, window >= 1, sampleMs >= 10 else {
            throw ValidationError("connections, messages, senders and window must be at least 1, sample-ms at least 10")
        }
        guard messageBytes >= 1, messageBytes <= 60_000 else { throw ValidationError("--message-bytes must be from 1 to 60000") }
    }

    func run() async throws {
        let pid = try gatewayProcess()
        let prefix = "unread-\(UUID().uuidString.prefix(6).lowercased())"
        let receivers = (0..<connections).map { "\(prefix)-r\($0)" }
        let senderNames = (0..<senders).map { "\(prefix)-s\($0)" }
        say("logging in \(connections + senders) users")
        let keys = try await Login.accessKeys(for: receivers + senderNames, publicURL: publicUrl)
        let closedBefore = try await gatewayMetric("gateway_unread_connections_closed_total")
        let openBefore = Int(try await gatewayMetric("gateway_open_connections"))
        let baseline = try await settledMemory(of: pid)
        say("gateway pid \(pid): \(baseline) KiB resident before the run")

        var dialer = IdleConnectionDialer(host: gatewayHost, port: gatewayPort, path: "/wss/?format=text&ack=true")
        dialer.stopsReading = true
        dialer.receiveBufferBytes = receiveBufferBytes
        var channels: [any Channel] = []
        for start in stride(from: 0, to: connections, by: 32) {
            try await withThrowingTaskGroup(of: (any Channel).self) { group in
                for user in receivers[start..<min(start + 32, connections)] {
                    group.addTask { [dialer] in try await dialer.open(from: "127.0.0.1", user: user, key: keys[user]!) }
                }
                for try await channel in group { channels.append(channel) }
            }
        }
        say("opened \(channels.count) connections that never read")
        // Their CONNECTED events reach session-ms first, so the messages go to them, not to
        // storage.
        try await Task.sleep(for: .seconds(3))

        let tally = RunTally()
        let url = "ws://\(gatewayHost):\(gatewayPort)/wss/?format=text&ack=true"
        let senderUsers = senderNames.map { VirtualUser(name: $0, tally: tally, measuring: { false }) }
        let total = connections * messages
        let text = String(repeating: "x", count: messageBytes)
        let started = ContinuousClock.now
        let sampler = MemorySampler(pid: pid, baseline: baseline)
        let report = try await withThrowingTaskGroup(of: Void.self) { group in
            for user in senderUsers { try await user.open(url: url, key: keys[user.name]!, in: &group) }
            let (metricsURL, sampleMs) = (gatewayMetricsUrl, sampleMs)
            let sampling = Task {
                while !Task.isCancelled {
                    let closed = (try? await PrometheusCounter.value("gateway_unread_connections_closed_total", at: metricsURL))
                        .map { Int($0 - closedBefore) }
                    let open = (try? await PrometheusCounter.value("gateway_open_connections", at: metricsURL)).map { Int($0) }
                    let line = sampler.sample(
                        at: ContinuousClock.now - started, sent: tally.sentCount, acked: tally.serverAckedCount, open: open, closed: closed)
                    say(line)
                    try? await Task.sleep(for: .milliseconds(sampleMs))
                }
            }
            defer { sampling.cancel() }
            let deadline = started + .seconds(timeout)
            // Round-robin over the receivers, so they fill up together as they would under
            // many conversations.
            for index in 0..<total {
                while index - tally.serverAckedCount >= window {
                    guard ContinuousClock.now < deadline else { throw Login.Failed(description: "timed out sending") }
                    try await Task.sleep(for: .milliseconds(5))
                }
                senderUsers[index % senders].send(to: receivers[index % connections], id: "\(prefix)-\(index)", text: text, ephemeral: ephemeral)
            }
            while tally.serverAckedCount < total {
                guard ContinuousClock.now < deadline else { throw Login.Failed(description: "timed out waiting for server acks") }
                try await Task.sleep(for: .milliseconds(50))
            }
            say("all \(total) messages server-acked after \(ContinuousClock.now - started)")
            // Deliveries lag behind: wait until the gateway closed every unread connection,
            // past its bound or because it answered no ping (or the deadline), then a while
            // longer for the memory to settle.
            var stillOpen = connections
            while stillOpen > 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(500))
                stillOpen = Int(try await gatewayMetric("gateway_open_connections")) - openBefore - senders
            }
            try await Task.sleep(for: .seconds(settleSeconds))
            let closed = Int(try await gatewayMetric("gateway_unread_connections_closed_total") - closedBefore)
            sampling.cancel()
            let final = ProcessMemory.residentKiB(of: pid) ?? 0
            senderUsers.forEach { $0.close() }
            group.cancelAll()
            return Report(
                baseline: baseline, peak: sampler.peak, final: final, connections: connections, closed: closed,
                stillOpen: max(0, stillOpen),
                messages: total, messageBytes: messageBytes, maxPendingBytes: maxPendingBytes, errors: tally.counts.errors)
        }
        for channel in channels { channel.close(promise: nil) }
        say(report)
    }

    private func gatewayProcess() throws -> Int32 {
        if let gatewayPid { return gatewayPid }
        let file = stackRunDir + "/ws-gateway-1.pid"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw ValidationError("no pid in \(file): pass --gateway-pid or --stack-run-dir") }
        guard ProcessMemory.residentKiB(of: pid) != nil else { throw ValidationError("no process \(pid) (or /proc is not readable)") }
        return pid
    }

    private func gatewayMetric(_ name: String) async throws -> Double {
        try await PrometheusCounter.value(name, at: gatewayMetricsUrl)
    }

    /// The gateway's memory once it stops moving, so the baseline is not taken mid-allocation.
    private func settledMemory(of pid: Int32) async throws -> Int {
        var last = ProcessMemory.residentKiB(of: pid) ?? 0
        for _ in 0..<20 {
            try await Task.sleep(for: .milliseconds(500))
            let now = ProcessMemory.residentKiB(of: pid) ?? 0
            if abs(now - last) < 256 { return now }
            last = now
        }
        return last
    }
}

/// Writes a line at once, also into a pipe or a file (print's output waits in a buffer
/// there), so a long run can be followed as it goes.
private func say(_ line: CustomStringConvertible) {
    FileHandle.standardOutput.write(Data((line.description + "\n").utf8))
}

/// The gateway's resident memory over the run, one line per sample, and its peak.
private final class MemorySampler: Sendable {
    let pid: Int32
    let baseline: Int
    private let highest = Mutex(0)

    init(pid: Int32, baseline: Int) {
        self.pid = pid
        self.baseline = baseline
    }

    var peak: Int { highest.withLock { $0 } }

    func sample(at elapsed: Duration, sent: Int, acked: Int, open: Int?, closed: Int?) -> String {
        let resident = ProcessMemory.residentKiB(of: pid) ?? 0
        highest.withLock { $0 = max($0, resident) }
        return String(
            format: "t=%6.1f s  rss %9d KiB (%+9d)  sent %8d  acked %8d  gateway connections %@  unread closed %@",
            Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, resident, resident - baseline,
            sent, acked, open.map { "\($0)" } ?? "?", closed.map { "\($0)" } ?? "?")
    }
}

private struct Report: CustomStringConvertible {
    let baseline: Int
    let peak: Int
    let final: Int
    let connections: Int
    /// Closed past the bound; the others the gateway closed because they answered no ping.
    let closed: Int
    let stillOpen: Int
    let messages: Int
    let messageBytes: Int
    let maxPendingBytes: Int
    let errors: [String: Int]

    var description: String {
        let bound = connections * maxPendingBytes / 1024
        let sentKiB = messages * messageBytes / 1024
        var lines = [
            "gateway resident memory: \(baseline) KiB before, \(peak) KiB at the peak (+\(peak - baseline)), \(final) KiB at the end (+\(final - baseline))",
            "sent \(messages) messages of \(messageBytes) characters (\(sentKiB) KiB of text) to \(connections) connections that never read",
            "bound: \(connections) x max-pending-bytes \(maxPendingBytes) = \(bound) KiB; peak growth is \(String(format: "%.2f", Double(peak - baseline) / Double(max(bound, 1)))) of it",
            "unread connections closed by the gateway: \(connections - stillOpen) of \(connections), \(closed) of them past the bound, the others for not answering pings",
        ]
        if !errors.isEmpty { lines.append("errors: \(errors)") }
        return lines.joined(separator: "\n")
    }
}
