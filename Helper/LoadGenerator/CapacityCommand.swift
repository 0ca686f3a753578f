import ArgumentParser
import Foundation
import NIOCore
import Synchronization

/// Connection capacity: K idle authenticated connections on one gateway, its resident
/// memory per connection, and whether messages still flow through it.
struct CapacityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capacity", abstract: "Opens idle connections to one gateway and reports its memory per connection.")

    @Option(help: "The public URL (logins go here).") var publicUrl = "http://127.0.0.1:8080/v1.0"
    @Option(help: "The gateway's public host (connections go straight to it, not through nginx).") var gatewayHost = "127.0.0.1"
    @Option(help: "The gateway's public port.") var gatewayPort = 8103
    @Option(help: "The gateway's process id, to read its memory.") var gatewayPid: Int32
    @Option(help: "Idle connections to open.") var connections = 1000
    @Option(help: "Users the connections belong to (several connections per user, like devices).") var users = 100
    @Option(help: "Local source addresses to spread over: 127.0.0.2 onwards.") var sourceAddresses = 20
    @Option(help: "Connections being opened at once.") var concurrency = 64
    @Option(help: "Seconds to wait for the test messages once the connections are open (the stack first works through every connection's CONNECTED event).")
    var flowTimeout = 180

    func run() async throws {
        let prefix = "capacity-\(UUID().uuidString.prefix(6).lowercased())"
        let names = (0..<users).map { "\(prefix)-\($0)" } + ["\(prefix)-sender", "\(prefix)-receiver"]
        let keys = try await Login.accessKeys(for: names, publicURL: publicUrl)
        guard let before = ProcessMemory.residentKiB(of: gatewayPid) else {
            throw ValidationError("no process \(gatewayPid) (or /proc is not readable)")
        }
        print("gateway pid \(gatewayPid): \(before) KiB resident, \(ProcessMemory.openFiles(of: gatewayPid) ?? -1) open files before")

        let dialer = IdleConnectionDialer(host: gatewayHost, port: gatewayPort, path: "/wss/?format=text&ack=true")
        let started = ContinuousClock.now
        var channels: [any Channel] = []
        var failures: [String: Int] = [:]
        for batchStart in stride(from: 0, to: connections, by: concurrency) {
            let batch = batchStart..<min(batchStart + concurrency, connections)
            await withTaskGroup(of: Result<any Channel, Error>.self) { group in
                for index in batch {
                    let user = names[index % users]
                    let source = "127.0.0.\(2 + index % sourceAddresses)"
                    group.addTask {
                        do { return .success(try await dialer.open(from: source, user: user, key: keys[user]!)) } catch { return .failure(error) }
                    }
                }
                for await result in group {
                    switch result {
                    case .success(let channel): channels.append(channel)
                    case .failure(let error): failures["\(error)", default: 0] += 1
                    }
                }
            }
        }
        let opening = ContinuousClock.now - started
        print("opened \(channels.count) of \(connections) connections in \(opening)")
        if !failures.isEmpty { print("failures: \(failures)") }

        let after = try await settledMemory()
        let open = channels.count
        let perConnection = open > 0 ? Double(after - before) / Double(open) : 0
        print("gateway: \(after) KiB resident, \(ProcessMemory.openFiles(of: gatewayPid) ?? -1) open files with \(open) idle connections")
        print(String(format: "resident memory per idle connection: %.2f KiB", perConnection))

        let flowStarted = ContinuousClock.now
        let flow = try await messagesFlow(sender: names[users], receiver: names[users + 1], keys: keys)
        print("messages still flow: \(flow.delivered) of \(flow.sent) delivered, in \(ContinuousClock.now - flowStarted)")
        for channel in channels { channel.close(promise: nil) }
    }

    /// Reads the gateway's memory until it stops growing (connection events and buffers
    /// settle within a few seconds), so the figure is not taken mid-allocation.
    private func settledMemory() async throws -> Int {
        var last = ProcessMemory.residentKiB(of: gatewayPid) ?? 0
        for _ in 0..<20 {
            try await Task.sleep(for: .milliseconds(500))
            let now = ProcessMemory.residentKiB(of: gatewayPid) ?? 0
            if abs(now - last) < 256 { return now }
            last = now
        }
        return last
    }

    private func messagesFlow(sender: String, receiver: String, keys: [String: String]) async throws -> (sent: Int, delivered: Int) {
        let tally = RunTally()
        let url = "ws://\(gatewayHost):\(gatewayPort)/wss/?format=text&ack=true"
        let users = [VirtualUser(name: sender, tally: tally, measuring: { true }), VirtualUser(name: receiver, tally: tally, measuring: { true })]
        let count = 200
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for user in users {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                    let once = Mutex(Optional(continuation))
                    group.addTask {
                        await user.run(url: url, key: keys[user.name]!) { error in
                            guard let waiting = once.withLock({ $0.take() }) else { return }
                            if let error { waiting.resume(throwing: error) } else { waiting.resume() }
                        }
                    }
                }
            }
            for index in 0..<count { users[0].send(to: receiver, id: "flow-\(index)") }
            let deadline = ContinuousClock.now + .seconds(flowTimeout)
            while tally.counts.delivered < count, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            users.forEach { $0.close() }
            group.cancelAll()
            return (count, tally.counts.delivered)
        }
    }
}
