import Foundation
import TestSupport
import XCTest

/// Against the stack `stack test` starts with two instances of every service
/// (VARTALAP_TEST_REPLICAS=2): users spread over both gateways, every instance killed or
/// restarted in turn under load, and a consumer group growing under load.
final class ReplicaTests: XCTestCase {
    private static let services = [
        "profile-ms", "ws-gateway", "message-router", "session-ms", "persistence", "push-notification", "group-ms",
        "group-router",
    ]

    private struct TooFewReplicas: Error, CustomStringConvertible {
        let replicas: Int
        var description: String {
            "the replica tests need stack test's second stack (2 replicas); this one runs \(replicas) instance(s) of every service"
        }
    }

    override func setUp() async throws {
        let replicas = try TestStack.replicas()
        guard replicas >= 2 else { throw TooFewReplicas(replicas: replicas) }
    }

    /// ws://127.0.0.1:PORT/wss/ of each gateway, bypassing nginx.
    private static func gatewaySocketURLs() throws -> [String] {
        try TestStack.gatewayPublicPorts().map { "ws://127.0.0.1:\($0)/wss/?format=text&ack=true" }
    }

    private static func openConnections() async throws -> [Double] {
        let gateways = ["ws-gateway-1", "ws-gateway-2"]
        let values = try await ServiceMetrics.values(named: "gateway_open_connections", of: gateways)
        return gateways.map { values[$0] ?? -1 }
    }

    func testUsersOnBothGatewaysChatOneToOneAndInAGroupAndGetEveryMessageOnce() async throws {
        let urls = try Self.gatewaySocketURLs()
        let alice = try await ReconnectingUser.login("alice"), bob = try await ReconnectingUser.login("bob")
        let carol = try await ReconnectingUser.login("carol")
        let before = try await Self.openConnections()
        try await alice.connect(url: urls[0])
        try await bob.connect(url: urls[1])
        try await carol.connect(url: urls[0])
        defer { [alice, bob, carol].forEach { $0.closeAll() } }
        try await eventually("each gateway to count its sockets") {
            let now = try await Self.openConnections()
            return now[0] >= before[0] + 2 && now[1] >= before[1] + 1
        }
        // nginx spreads new sockets over both gateways too.
        let spread = try await Self.openConnections()
        let viaNginx = try await (0..<4).asyncMap { _ in try await ReconnectingUser.login("dave") }
        for user in viaNginx { try await user.connect() }
        defer { viaNginx.forEach { $0.closeAll() } }
        try await eventually("nginx to put sockets on both gateways") {
            let now = try await Self.openConnections()
            return now[0] > spread[0] && now[1] > spread[1]
        }

        let groupId = try await GroupAPI(user: alice.name, key: alice.key).create("Replicas", members: [bob.name, carol.name])
        for index in 0..<20 {
            alice.current?.sendMessage(to: bob.name, id: "a2b-\(index)", text: "\(index)")
            bob.current?.sendMessage(to: alice.name, id: "b2a-\(index)", text: "\(index)")
        }
        for index in 0..<10 {
            alice.current?.sendGroupMessage(to: groupId, id: "ga-\(index)", text: "\(index)")
            bob.current?.sendGroupMessage(to: groupId, id: "gb-\(index)", text: "\(index)")
        }
        let toBob = Set((0..<20).map { "a2b-\($0)" } + (0..<10).map { "ga-\($0)" })
        let toAlice = Set((0..<20).map { "b2a-\($0)" } + (0..<10).map { "gb-\($0)" })
        let toCarol = Set((0..<10).flatMap { ["ga-\($0)", "gb-\($0)"] })
        try await eventually("every message to reach its recipients across the gateways") {
            toBob.isSubset(of: bob.received) && toAlice.isSubset(of: alice.received) && toCarol.isSubset(of: carol.received)
        }
        for user in [alice, bob, carol] {
            XCTAssertEqual(user.duplicates, 0, "\(user.name) got messages twice: \(user.received)")
        }
        // In order per sender and recipient, across gateways.
        XCTAssertEqual(bob.received.filter { $0.hasPrefix("a2b-") }, (0..<20).map { "a2b-\($0)" })
        XCTAssertEqual(alice.received.filter { $0.hasPrefix("b2a-") }, (0..<20).map { "b2a-\($0)" })
    }

    func testKillingEveryInstanceInTurnUnderLoadLosesNoServerAckedMessage() async throws {
        let run = try await TrafficRun.start()
        defer { run.closeAll() }
        var victims: [String] = []
        for service in Self.services {
            for instance in 1...2 { victims.append("\(service)-\(instance)") }
        }
        var outOfOrderAfter: [String] = []
        for instance in victims {
            let before = run.watch.count
            let outOfOrderBefore = run.outOfOrder
            let victim = try StackProcesses.killHard(instance)
            try await StackProcesses.waitForRestart(of: instance, replacing: victim)
            if instance.hasPrefix("ws-gateway") { try await run.reconnectEveryone() }
            try await eventually(timeout: .seconds(60), "deliveries to go on after kill -9 \(instance)") {
                run.watch.count > before + 10
            }
            if run.outOfOrder > outOfOrderBefore { outOfOrderAfter.append("\(instance): \(run.outOfOrder - outOfOrderBefore)") }
        }
        let outcome = try await run.finish()
        print(
            "replicas, kill -9 of \(victims.count) instances: \(outcome); out of order after \(outOfOrderAfter); "
                + "first inversions \(run.inversions.prefix(10))")
        XCTAssertGreaterThan(outcome.serverAcked, 100, "the load kept going through the crashes")
    }

    /// Docs/LIFECYCLE.md: messages from one sender to one recipient arrive in the order
    /// sent, also when the recipient's gateway dies and what it had pending comes back from
    /// storage.
    func testAGatewayKilledUnderLoadKeepsEachSendersOrder() async throws {
        let run = try await TrafficRun.start()
        defer { run.closeAll() }
        for instance in ["ws-gateway-1", "ws-gateway-2", "ws-gateway-1", "ws-gateway-2"] {
            let before = run.watch.count
            let victim = try StackProcesses.killHard(instance)
            try await StackProcesses.waitForRestart(of: instance, replacing: victim)
            try await run.reconnectEveryone()
            try await eventually(timeout: .seconds(60), "deliveries to go on after kill -9 \(instance)") {
                run.watch.count > before + 10
            }
        }
        let outcome = try await run.finish()
        print("replicas, kill -9 of a gateway four times: \(outcome); first inversions \(run.inversions.prefix(10))")
        XCTAssertGreaterThan(outcome.serverAcked, 100, "the load kept going through the crashes")
        XCTAssertEqual(outcome.outOfOrder, 0, "a message from storage was overtaken by a newer one from the same sender")
    }

    func testARollingRestartUnderLoadLosesNothingAndDuplicatesNothing() async throws {
        let run = try await TrafficRun.start()
        defer { run.closeAll() }
        var restarted: [String] = []
        var duplicatesAfter: [String] = []
        for service in Self.services {
            for instance in 1...2 {
                let name = "\(service)-\(instance)"
                let duplicatesBefore = run.duplicates
                let before = run.watch.count
                let victim = try await StackProcesses.terminate(name)
                try await StackProcesses.waitForRestart(of: name, replacing: victim)
                if service == "ws-gateway" { try await run.reconnectEveryone() }
                try await eventually(timeout: .seconds(60), "deliveries to go on after restarting \(name)") {
                    run.watch.count > before + 10
                }
                restarted.append(name)
                if run.duplicates > duplicatesBefore { duplicatesAfter.append("\(name): \(run.duplicates - duplicatesBefore)") }
            }
        }
        let outcome = try await run.finish()
        print("replicas, rolling restart of \(restarted.count) instances: \(outcome); duplicates seen after \(duplicatesAfter)")
        XCTAssertGreaterThan(outcome.serverAcked, 100, "the load kept going through the restarts")
        XCTAssertEqual(outcome.duplicates, 0, "a graceful restart delivered messages twice")
    }

    func testAConsumerInstanceAddedAndRemovedUnderLoadLosesNothing() async throws {
        let run = try await TrafficRun.start()
        defer { run.closeAll() }
        var duplicatesAfter: [String] = []
        for service in ["message-router", "session-ms", "group-router"] {
            let extra = "\(service)-3"
            let duplicatesBefore = run.duplicates
            let beforeJoin = run.watch.count
            try StackProcesses.startExtraInstance(extra)
            try await eventually(timeout: .seconds(60), "deliveries to go on after \(extra) joined") {
                run.watch.count > beforeJoin + 20
            }
            let beforeLeave = run.watch.count
            _ = try await StackProcesses.terminate(extra)
            try await eventually(timeout: .seconds(60), "deliveries to go on after \(extra) left") {
                run.watch.count > beforeLeave + 20
            }
            duplicatesAfter.append("\(extra): \(run.duplicates - duplicatesBefore)")
        }
        let outcome = try await run.finish()
        print("replicas, three consumer groups grown and shrunk under load: \(outcome); duplicates per service \(duplicatesAfter)")
        XCTAssertGreaterThan(outcome.serverAcked, 100)
    }
}

/// Steady one-to-one and group traffic between users spread over the gateways by nginx.
private final class TrafficRun: Sendable {
    struct Outcome: CustomStringConvertible {
        let serverAcked: Int
        let duplicates: Int
        /// Of the duplicates, group messages (fanned out by group-router) and the most
        /// copies any one recipient got of one message: which stage redelivered.
        let groupDuplicates: Int
        let mostCopies: Int
        /// One-to-one messages that arrived before an earlier one from the same sender
        /// (first copies only): redelivery from storage after a failover can overtake.
        let outOfOrder: Int
        let longestStall: Duration
        var description: String {
            "\(serverAcked) messages server-acked, all delivered; \(duplicates) duplicates (same id; "
                + "\(groupDuplicates) of group messages, at most \(mostCopies) copies of one); "
                + "\(outOfOrder) one-to-one messages out of order; longest stall \(longestStall)"
        }
    }

    let senders: [ReconnectingUser]
    let recipients: [ReconnectingUser]
    let groupSender: ReconnectingUser
    let members: [ReconnectingUser]
    let watch = StallWatch()
    private let stop = StopFlag()
    private let load: Task<Void, Never>

    private init(
        senders: [ReconnectingUser], recipients: [ReconnectingUser], groupSender: ReconnectingUser, members: [ReconnectingUser],
        groupId: String
    ) {
        self.senders = senders
        self.recipients = recipients
        self.groupSender = groupSender
        self.members = members
        let (watch, stop) = (watch, stop)
        let everyRecipient = recipients + members
        load = Task {
            var tick = 0
            while !stop.isSet {
                for (sender, recipient) in zip(senders, recipients) {
                    sender.current?.sendMessage(to: recipient.name, id: "direct-\(sender.name)-\(tick)", text: "\(tick)")
                }
                if tick % 3 == 0 { groupSender.current?.sendGroupMessage(to: groupId, id: "group-\(tick)", text: "\(tick)") }
                watch.observe(everyRecipient.reduce(0) { $0 + $1.received.count })
                tick += 1
                try? await Task.sleep(for: .milliseconds(25))
            }
        }
    }

    static func start() async throws -> TrafficRun {
        let senders = try await (0..<3).asyncMap { _ in try await ReconnectingUser.login("sender") }
        let recipients = try await (0..<3).asyncMap { _ in try await ReconnectingUser.login("recipient") }
        let groupSender = try await ReconnectingUser.login("gsender")
        let members = try await (0..<2).asyncMap { _ in try await ReconnectingUser.login("member") }
        for user in senders + recipients + [groupSender] + members { try await user.connect() }
        let groupId = try await GroupAPI(user: groupSender.name, key: groupSender.key).create(
            "Replicas under load", members: members.map(\.name))
        return TrafficRun(senders: senders, recipients: recipients, groupSender: groupSender, members: members, groupId: groupId)
    }

    var duplicates: Int { (recipients + members).reduce(0) { $0 + $1.duplicates } }

    /// Server-acked messages some recipient has not received, as `recipient: id`.
    var missing: [String] {
        let direct = zip(senders, recipients).flatMap { sender, recipient in
            sender.serverAcked.subtracting(recipient.received).sorted().map { "\(recipient.name): \($0)" }
        }
        let group = members.flatMap { member in
            groupSender.serverAcked.subtracting(member.received).sorted().map { "\(member.name): \($0)" }
        }
        return direct + group
    }

    var outOfOrder: Int { inversions.count }

    /// Each first copy that arrived after a later one from the same sender, with that later one.
    var inversions: [(recipient: String, late: String, after: Int)] {
        zip(senders, recipients).flatMap { pair in
            var seen = Set<String>(), latest = -1, inversions: [(String, String, Int)] = []
            for id in pair.1.received where id.hasPrefix("direct-\(pair.0.name)-") && seen.insert(id).inserted {
                let tick = Int(id.split(separator: "-").last ?? "") ?? 0
                if tick < latest { inversions.append((pair.1.name, id, latest)) }
                latest = max(latest, tick)
            }
            return inversions
        }
    }

    var everyone: [ReconnectingUser] { senders + recipients + [groupSender] + members }

    func reconnectEveryone() async throws {
        for user in everyone { try await user.reconnect() }
    }

    struct NotDeliveredToAConnectedRecipient: Error, CustomStringConvertible {
        /// `recipient: id` of what had not come 60 s after the load stopped.
        let missing: [String]
        /// Of those, what a reconnect of the recipient then fetched from storage.
        let cameOnReconnect: [String]
        var description: String {
            "\(missing.count) server-acked messages had not reached their connected recipients 60 s after the load "
                + "stopped; \(cameOnReconnect.count) of them came only on a reconnect (from storage), "
                + "\(missing.count - cameOnReconnect.count) not even then: \(missing.prefix(20))"
        }
    }

    /// Stops the load and waits until every server-acked message reached its recipients,
    /// who stay connected: a message must not wait in storage for a connected user's next
    /// connect. When some have not come within 60 s, the test fails; their recipients are
    /// reconnected first, only to say whether those messages were in storage or lost.
    func finish() async throws -> Outcome {
        stop.set()
        await load.value
        do {
            try await eventually(timeout: .seconds(60), "every server-acked message to reach every recipient") { [self] in
                missing.isEmpty
            }
        } catch {
            let late = missing
            let waiting = Set(late.map { String($0.split(separator: ":")[0]) })
            for user in everyone where waiting.contains(user.name) {
                user.closeAll()
                try await user.connect()
            }
            try? await eventually(timeout: .seconds(30), "the missing messages to come on a reconnect") { [self] in
                missing.isEmpty
            }
            let still = Set(missing)
            throw NotDeliveredToAConnectedRecipient(missing: late, cameOnReconnect: late.filter { !still.contains($0) })
        }
        let serverAcked = senders.reduce(groupSender.serverAcked.count) { $0 + $1.serverAcked.count }
        let copies = (recipients + members).flatMap { user in
            Dictionary(grouping: user.received, by: { $0 }).map { (id: $0.key, count: $0.value.count) }
        }
        let extraCopies = { (received: [(id: String, count: Int)]) in received.reduce(0) { $0 + $1.count - 1 } }
        return Outcome(
            serverAcked: serverAcked, duplicates: extraCopies(copies),
            groupDuplicates: extraCopies(copies.filter { $0.id.hasPrefix("group-") }),
            mostCopies: copies.map(\.count).max() ?? 0, outOfOrder: outOfOrder, longestStall: watch.longest)
    }

    func closeAll() {
        stop.set()
        everyone.forEach { $0.closeAll() }
    }
}

extension Sequence {
    /// One at a time, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
