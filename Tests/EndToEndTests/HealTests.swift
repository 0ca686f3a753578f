import Foundation
import Synchronization
import TestSupport
import XCTest

/// The stack heals itself: under steady one-to-one traffic through nginx (10 pairs, 100
/// messages a second in all), the broker, the database and nginx are each killed with
/// `kill -9` in turn. supervisord starts each again, and a message sent after the kill is
/// server-acked within 10 s of it (for nginx: through the new nginx, on a socket the
/// client opened again once its old one dropped). At the end every server-acked message
/// has reached its recipient; duplicates (same id) are counted and printed.
///
/// It runs on a stack of its own (`stack test`'s third phase; VARTALAP_TEST_FILTER=HealTests):
/// the other tests are spared a dying broker, and its database keeps its data on disk across
/// the kill, as a real one does (users and keys outlive it, so clients can reconnect).
final class HealTests: XCTestCase {
    private static let pairs = 10
    /// One message every 10 ms, from the pairs in turn: 100 messages a second in all.
    private static let sendInterval = Duration.milliseconds(10)
    private static let healBound = Duration.seconds(10)
    /// noida-db writes its records and committed offsets to disk behind its acks, about
    /// every 2 s (Docs/LOCAL-SERVERS.md), so after a `kill -9` it comes back without what
    /// it took in the last moments, and gives those offsets to the next records produced.
    /// Two kinds of server-acked message are then lost, by the broker and not by any
    /// service: one acked shortly before the kill (the broker no longer has it), and one
    /// acked shortly after the restart whose record took an offset a consumer had already
    /// read past before the kill (the consumer goes on from its position and skips it;
    /// Kafka's leader epochs catch this, noida-db has none). Messages server-acked from
    /// this long before the kill to this long after the first ack that followed it are
    /// therefore counted apart, as lost with the broker's unsaved records; any other loss
    /// fails the test. The test prints how many records of `new-message` the broker came
    /// back without.
    private static let brokerUnsavedWindow = Duration.seconds(5)

    private struct Heal: CustomStringConvertible {
        let victim: String
        let restarted: Duration
        let firstAck: Duration
        let firstDelivery: Duration?
        let longestAckGap: Duration
        var description: String {
            "\(victim): new process after \(restarted.inSeconds), first server ack of a message sent after the kill "
                + "after \(firstAck.inSeconds), first delivery of one after \(firstDelivery?.inSeconds ?? "none yet"), "
                + "longest time without a server ack \(longestAckGap.inSeconds)"
        }
    }

    func testBrokerDatabaseAndNginxKilledUnderLoadHealWithinTenSeconds() async throws {
        let senders = try await (0..<Self.pairs).asyncMap { _ in try await ReconnectingUser.login("heal-sender") }
        let recipients = try await (0..<Self.pairs).asyncMap { _ in try await ReconnectingUser.login("heal-recipient") }
        let everyone = senders + recipients
        for user in everyone { try await user.connect() }
        let stop = StopFlag()
        defer {
            stop.set()
            everyone.forEach { $0.closeAll() }
        }

        // As an app does: a socket that dropped is opened again, through nginx, until it opens.
        let keepConnected = Task {
            await withTaskGroup(of: Void.self) { group in
                for user in everyone {
                    group.addTask {
                        while !stop.isSet {
                            if user.current?.isClosed ?? true { _ = try? await user.connect() }
                            try? await Task.sleep(for: .milliseconds(50))
                        }
                    }
                }
            }
        }
        let acks = FrameClock(of: senders) { $0.isServerAck }
        let deliveries = FrameClock(of: recipients) { $0.from != "server" }
        let watching = Task {
            while !stop.isSet {
                acks.look()
                deliveries.look()
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        let ticks = Ticker()
        let started = ContinuousClock.now, pairs = Self.pairs, interval = Self.sendInterval
        let load = Task {
            while !stop.isSet {
                let tick = ticks.next()
                let pair = tick % pairs
                senders[pair].current?.sendMessage(to: recipients[pair].name, id: "heal-\(tick)", text: "\(tick)")
                // On a steady schedule, whatever each send cost.
                let due = started + interval * (tick + 1)
                try? await Task.sleep(for: max(.zero, due - ContinuousClock.now))
            }
        }

        var heals: [Heal] = []
        var brokerWindow: ClosedRange<ContinuousClock.Instant>?
        var brokerRollback = "unknown"
        // The broker has saved some of the traffic and not yet the rest when it is killed.
        try await Task.sleep(for: .seconds(5))
        for victim in ["broker", "database", "nginx"] {
            try await eventually(timeout: .seconds(60), "server acks flowing before kill -9 \(victim)") {
                acks.count(since: .now - .seconds(1)) >= 50
            }
            // nginx's worker serves the open sockets until the new nginx starts: only an ack
            // on a socket opened after the kill went through the new one.
            let socketsBefore = victim == "nginx" ? acks.sockets() : []
            let recordsBefore = victim == "broker" ? try Self.recordCount(of: "new-message") : nil
            let lastTickBefore = ticks.last
            let killedAt = ContinuousClock.now
            let old = try StackProcesses.killHard(victim)
            try await StackProcesses.waitForRestart(of: victim, replacing: old)
            let restarted = ContinuousClock.now - killedAt
            if let recordsBefore {
                // At once, before the services' producers are back on it.
                let deadline = ContinuousClock.now + .seconds(30)
                var recordsAfter = try Self.recordCount(of: "new-message")
                while recordsAfter == nil, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                    recordsAfter = try Self.recordCount(of: "new-message")
                }
                brokerRollback = "new-message had \(recordsBefore) records just before the kill and "
                    + "\(recordsAfter.map(String.init) ?? "?") once the broker was back"
            }
            try await eventually(timeout: .seconds(60), "a server ack of a message sent after kill -9 \(victim)") {
                acks.first(afterTick: lastTickBefore, excluding: socketsBefore) != nil
            }
            let firstAckAt = try XCTUnwrap(acks.first(afterTick: lastTickBefore, excluding: socketsBefore))
            let firstAck = firstAckAt - killedAt
            if victim == "broker" {
                brokerWindow = (killedAt - Self.brokerUnsavedWindow)...(firstAckAt + Self.brokerUnsavedWindow)
            }
            // Traffic goes on for a while before the next kill.
            try await Task.sleep(for: .seconds(5))
            let heal = Heal(
                victim: victim, restarted: restarted, firstAck: firstAck,
                firstDelivery: deliveries.first(afterTick: lastTickBefore).map { $0 - killedAt },
                longestAckGap: acks.longestGap(from: killedAt - .seconds(1), to: .now))
            print("heal: kill -9 \(heal)")
            heals.append(heal)
            XCTAssertLessThanOrEqual(firstAck, Self.healBound, "server acks resumed too late after kill -9 \(victim)")
        }
        stop.set()
        await load.value
        await keepConnected.value
        await watching.value

        let undelivered: @Sendable () -> [Int] = {
            (0..<pairs).flatMap { pair in
                senders[pair].serverAcked.subtracting(recipients[pair].received).compactMap(Ticker.tick(of:))
            }
        }
        // Redelivery from storage may take a while after the kills; a message the broker
        // lost never comes, so the wait ends once 20 s pass without one arriving.
        var waiting = (count: undelivered().count, since: ContinuousClock.now)
        let deadline = ContinuousClock.now + .seconds(120)
        while waiting.count > 0, ContinuousClock.now - waiting.since < .seconds(20), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            let count = undelivered().count
            if count < waiting.count { waiting = (count, ContinuousClock.now) }
        }
        acks.look()
        let missing = undelivered().sorted()
        let window = try XCTUnwrap(brokerWindow)
        let lostWithBroker = missing.filter { acks.time(ofTick: $0).map(window.contains) ?? false }
        let lostOtherwise = missing.filter { !lostWithBroker.contains($0) }
        let ackedInBrokerWindow = acks.ticks(within: window)

        var duplicates: [String: Int] = [:]
        var misdelivered: [String] = []
        for (pair, recipient) in recipients.enumerated() {
            for id in recipient.received {
                duplicates[id, default: -1] += 1
                if Ticker.tick(of: id).map({ $0 % Self.pairs != pair || $0 > ticks.last }) ?? true { misdelivered.append(id) }
            }
        }
        duplicates = duplicates.filter { $0.value > 0 }
        let acked = senders.reduce(0) { $0 + $1.serverAcked.count }
        print(
            "heal: \(ticks.last + 1) messages sent, \(acked) server-acked; undelivered: \(lostOtherwise.count) "
                + "\(lostOtherwise.prefix(20)), and \(lostWithBroker.count) of the \(ackedInBrokerWindow) server-acked around "
                + "the broker's kill, lost with its unsaved records \(lostWithBroker.prefix(20)) (\(brokerRollback)); "
                + "\(duplicates.values.reduce(0, +)) duplicates (same id) of \(duplicates.count) messages: "
                + "\(duplicates.sorted { $0.key < $1.key }.prefix(40).map { "\($0.key) x\($0.value + 1)" })")
        for heal in heals { print("heal: \(heal)") }

        XCTAssertGreaterThan(acked, 1_500, "the load kept going through the kills")
        XCTAssertEqual(lostOtherwise, [], "server-acked messages that never arrived, not explained by the broker's unsaved records")
        XCTAssertEqual(misdelivered, [], "messages a recipient got that were not sent to it")
        for victim in ["broker", "database", "nginx"] {
            XCTAssertTrue(try StackProcesses.isRunning(victim), "\(victim) is running again")
        }
    }
}

extension HealTests {
    /// How many records `topic` holds, counting from each partition's first offset ever
    /// (the sum of its end offsets), as kcat (which the stack installs) reads them; nil
    /// while the broker does not answer.
    fileprivate static func recordCount(of topic: String) throws -> Int? {
        let brokers = try TestStack.brokers()
        guard let metadata = kcat(["-L", "-J", "-b", brokers, "-t", topic, "-m", "2"]),
            let object = try? JSONSerialization.jsonObject(with: metadata) as? [String: Any],
            let topics = object["topics"] as? [[String: Any]], let partitions = topics.first?["partitions"] as? [[String: Any]],
            !partitions.isEmpty
        else { return nil }
        let queries = partitions.compactMap { $0["partition"] as? Int }.flatMap { ["-t", "\(topic):\($0):-1"] }
        guard let answer = kcat(["-Q", "-b", brokers, "-m", "2"] + queries).map({ String(decoding: $0, as: UTF8.self) })
        else { return nil }
        // One line per partition: "new-message [3] offset 1234".
        let ends = answer.split(separator: "\n").compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }
        return ends.count == partitions.count ? ends.reduce(0, +) : nil
    }

    private static func kcat(_ arguments: [String]) -> Data? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["kcat"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? data : nil
    }
}

/// The load's message numbers: message `heal-N` is the N-th sent.
private final class Ticker: Sendable {
    private let value = Atomic<Int>(-1)
    func next() -> Int { value.add(1, ordering: .relaxed).newValue }
    var last: Int { value.load(ordering: .relaxed) }
    static func tick(of id: String) -> Int? { id.hasPrefix("heal-") ? Int(id.dropFirst(5)) : nil }
}

/// When each message's frame (a server ack, a delivery) first arrived on any socket of a
/// group of users, and on which socket: each look parses only the frames that came since
/// the last one, and finishes a socket that was replaced before it moves on.
private final class FrameClock: Sendable {
    private struct Arrival {
        let time: ContinuousClock.Instant
        let socket: ObjectIdentifier
    }
    private struct State {
        var watched: [Int: (socket: ChatClient, seen: Int)] = [:]
        var arrivals: [Int: Arrival] = [:]
    }
    private let users: [ReconnectingUser]
    private let matches: @Sendable (Frame) -> Bool
    private let state = Mutex(State())

    init(of users: [ReconnectingUser], matching matches: @escaping @Sendable (Frame) -> Bool) {
        self.users = users
        self.matches = matches
    }

    func look() {
        let now = ContinuousClock.now
        state.withLock { state in
            for (index, user) in users.enumerated() {
                guard let current = user.current else { continue }
                if let watched = state.watched[index], watched.socket !== current {
                    record(watched.socket.rawFrames.dropFirst(watched.seen), from: watched.socket, at: now, into: &state)
                    state.watched[index] = nil
                }
                let frames = current.rawFrames
                record(frames.dropFirst(state.watched[index]?.seen ?? 0), from: current, at: now, into: &state)
                state.watched[index] = (current, frames.count)
            }
        }
    }

    private func record(_ frames: ArraySlice<Data>, from socket: ChatClient, at now: ContinuousClock.Instant, into state: inout State) {
        for bytes in frames {
            guard let frame = Frame(bytes), matches(frame), let tick = frame.id.flatMap(Ticker.tick(of:)),
                state.arrivals[tick] == nil
            else { continue }
            state.arrivals[tick] = Arrival(time: now, socket: ObjectIdentifier(socket))
        }
    }

    /// The sockets frames arrived on so far.
    func sockets() -> Set<ObjectIdentifier> { state.withLock { Set($0.arrivals.values.map(\.socket)) } }

    /// The earliest arrival of a message numbered above `tick`, on a socket not in `excluding`.
    func first(afterTick tick: Int, excluding: Set<ObjectIdentifier> = []) -> ContinuousClock.Instant? {
        state.withLock { state in
            state.arrivals.filter { $0.key > tick && !excluding.contains($0.value.socket) }.map(\.value.time).min()
        }
    }

    func count(since start: ContinuousClock.Instant) -> Int {
        state.withLock { $0.arrivals.values.filter { $0.time >= start }.count }
    }

    func time(ofTick tick: Int) -> ContinuousClock.Instant? { state.withLock { $0.arrivals[tick]?.time } }

    func ticks(within range: ClosedRange<ContinuousClock.Instant>) -> Int {
        state.withLock { $0.arrivals.values.filter { range.contains($0.time) }.count }
    }

    /// The longest time between arrivals from `start` to `end`.
    func longestGap(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> Duration {
        let times = state.withLock { $0.arrivals.values.map(\.time).filter { $0 >= start && $0 <= end }.sorted() }
        return zip([start] + times, times + [end]).map { $1 - $0 }.max() ?? end - start
    }
}

extension Duration {
    fileprivate var inSeconds: String { String(format: "%.2f s", Double(components.seconds) + Double(components.attoseconds) / 1e18) }
}
