import AsyncHTTPClient
import ChatProtocol
import Contracts
import Foundation
@testable import Gateway
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import ServiceLifecycle
import NIOWebSocket
import ServiceKit
@testable import SessionService
import Synchronization
import XCTest

/// session-ms's dispatcher against the gateway's real internal `/send`, over HTTP on
/// loopback: many deliveries share a call, each still gets its own answer.
final class BatchedSendTests: XCTestCase {
    func testConcurrentDeliveriesShareCallsAndEachGetsItsOwnAnswer() async throws {
        let gateway = try await TestGateway(users: (0..<20).map { "user\($0)" })
        try await gateway.run { url, http in
            let dispatcher = GatewayDispatcher(
                client: GatewayClient(http: http, timeout: .seconds(10)), maxBatch: 500, maxCallsInFlight: 2)
            let outcomes = await withTaskGroup(of: (String, Int, PushOutcome).self) { group in
                for user in gateway.users + ["nobody"] {
                    for index in 0..<50 {
                        group.addTask {
                            (user, index, await dispatcher.send(Self.message(index, to: user), to: user, at: url))
                        }
                    }
                }
                group.addTask { ("garbage", 0, await dispatcher.send(Data([0xFF, 0x01]), to: "user0", at: url)) }
                return await group.reduce(into: [:]) { $0["\($1.0)/\($1.1)"] = $1.2 }
            }
            XCTAssertEqual(outcomes.count, 21 * 50 + 1)
            for user in gateway.users {
                for index in 0..<50 { XCTAssertEqual(outcomes["\(user)/\(index)"], .answered(.written), "\(user)/\(index)") }
            }
            for index in 0..<50 { XCTAssertEqual(outcomes["nobody/\(index)"], .answered(.noConnection)) }
            XCTAssertEqual(outcomes["garbage/0"], .answered(.error))

            let calls = dispatcher.callsMade
            XCTAssertLessThan(calls, 100, "1,051 deliveries should have shared calls, made \(calls)")
            for (user, channel) in zip(gateway.users, gateway.channels) {
                let ids = try await Self.receivedIds(on: channel, count: 50)
                XCTAssertEqual(Set(ids), Set((0..<50).map { "m\($0)-\(user)" }), user)
            }
        }
    }

    func testAQuietDispatcherSendsEachDeliveryAtOnceInItsOwnCall() async throws {
        let gateway = try await TestGateway(users: ["alice"])
        try await gateway.run { url, http in
            let dispatcher = GatewayDispatcher(client: GatewayClient(http: http, timeout: .seconds(10)))
            for index in 0..<3 {
                let outcome = await dispatcher.send(Self.message(index, to: "alice"), to: "alice", at: url)
                XCTAssertEqual(outcome, .answered(.written))
            }
            let calls = dispatcher.callsMade
            XCTAssertEqual(calls, 3)
            let ids = try await Self.receivedIds(on: gateway.channels[0], count: 3)
            XCTAssertEqual(ids, ["m0-alice", "m1-alice", "m2-alice"])
        }
    }

    /// The older one-user form (`user`, `messages`) is refused with a reason, not half read.
    func testTheOldOneUserFormIsRefused() async throws {
        let gateway = try await TestGateway(users: ["alice"])
        try await gateway.run { url, http in
            var request = HTTPClientRequest(url: url + GatewayDeliveryAPI.path)
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: #"{"user":"alice","messages":["AQI="]}"#))
            let response = try await http.execute(request, timeout: .seconds(10))
            XCTAssertEqual(response.status, .badRequest)
            let body = String(buffer: try await response.body.collect(upTo: 1 << 16))
            XCTAssertTrue(body.contains("deliveries"), body)
        }
    }

    func testAGatewayThatRefusesConnectionsIsGoneForEveryDeliveryAtOnce() async throws {
        let http = GatewayClient.makeHTTPClient()
        let dispatcher = GatewayDispatcher(client: GatewayClient(http: http, timeout: .seconds(10)))
        // Nothing listens on port 9 here. The answer must come from the refusal, not from
        // the 10 s timeout (AsyncHTTPClient's default retries connecting until then).
        let started = ContinuousClock.now
        async let first = dispatcher.send(Self.message(0, to: "alice"), to: "alice", at: "http://127.0.0.1:9")
        async let second = dispatcher.send(Self.message(1, to: "bob"), to: "bob", at: "http://127.0.0.1:9")
        let outcomes = await [first, second]
        XCTAssertEqual(outcomes, [.gatewayGone, .gatewayGone])
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5), "the refusal waited for the timeout")
        try await http.shutdown()
    }

    func testAGatewayThatDoesNotAnswerInTimeIsNotTakenForGone() async throws {
        // A listener that accepts and never answers: alive but stuck.
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try XCTUnwrap(server.localAddress?.port)
        let http = GatewayClient.makeHTTPClient()
        let dispatcher = GatewayDispatcher(client: GatewayClient(http: http, timeout: .milliseconds(300)))
        let outcome = await dispatcher.send(Self.message(0, to: "alice"), to: "alice", at: "http://127.0.0.1:\(port)")
        XCTAssertEqual(outcome, .failed)
        try await http.shutdown()
        try await server.close()
    }

    func testAStoppingGatewayTakesNoDeliveriesAndWaitsForTheAcksOfWhatItWrote() async throws {
        let gateway = try await TestGateway(users: ["alice"], drainTimeout: .seconds(30))
        try await gateway.run { url, http in
            let dispatcher = GatewayDispatcher(client: GatewayClient(http: http, timeout: .seconds(10)))
            let first = await dispatcher.send(Self.message(0, to: "alice"), to: "alice", at: url)
            XCTAssertEqual(first, .answered(.written))
            XCTAssertEqual(gateway.acks.outstanding(within: .seconds(10)), 1)

            let group = ServiceGroup(configuration: .init(services: [gateway.drain], logger: Logger(label: "test")))
            let finished = StopFinished()
            let stopping = Task {
                try await group.run()
                finished.value.store(true, ordering: .sequentiallyConsistent)
            }
            await group.triggerGracefulShutdown()
            while !gateway.drain.isDraining { await Task.yield() }
            let second = await dispatcher.send(Self.message(1, to: "alice"), to: "alice", at: url)
            XCTAssertEqual(second, .answered(.noConnection), "a stopping gateway took a delivery")
            XCTAssertFalse(finished.value.load(ordering: .sequentiallyConsistent), "the stop did not wait for the outstanding ack")

            gateway.acks.acknowledged("m0-alice", by: "alice")
            try await stopping.value
            XCTAssertEqual(gateway.acks.outstanding(within: .seconds(10)), 0)
        }
    }

    static func message(_ index: Int, to user: String) -> Data {
        ChatMessage.errorFrame(id: "m\(index)-\(user)", to: user, code: 400, reason: "test").protobufData()
    }

    /// The ids of the next `count` frames written to a socket.
    static func receivedIds(on channel: NIOAsyncTestingChannel, count: Int) async throws -> [String] {
        var ids: [String] = []
        for _ in 0..<count {
            let frame = try await channel.waitForOutboundWrite(as: WebSocketFrame.self)
            let json = try JSONSerialization.jsonObject(with: Data(buffer: frame.unmaskedData)) as? [String: Any]
            ids.append(json?["id"] as? String ?? "?")
        }
        return ids
    }
}

/// A gateway's internal routes, live on a loopback port, with one open test socket per user.
private struct TestGateway {
    let users: [String]
    let channels: [NIOAsyncTestingChannel]
    let registry = ConnectionRegistry()
    let acks: AwaitedAcks
    let drain: GatewayDrain

    init(users: [String], acks: AwaitedAcks = AwaitedAcks(), drainTimeout: Duration = .seconds(5)) async throws {
        self.users = users
        self.acks = acks
        drain = GatewayDrain(acks: acks, registry: registry, timeout: drainTimeout, logger: Logger(label: "test"))
        var channels: [NIOAsyncTestingChannel] = []
        for user in users {
            let channel = NIOAsyncTestingChannel()
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8103))
            let connection = ClientConnection(user: user, format: .text, wantsServerAcks: false)
            connection.open(on: channel)
            registry.add(connection)
            channels.append(channel)
        }
        self.channels = channels
    }

    func run(_ body: @Sendable (_ url: String, _ http: HTTPClient) async throws -> Void) async throws {
        let router = Router()
        InternalSendRoutes(registry: registry, acks: acks, drain: drain, logger: Logger(label: "test")).add(to: router)
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await application.test(.live) { client in
                try await body("http://127.0.0.1:\(client.port!)", http)
            }
        } catch {
            try await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }
}

private final class StopFinished: Sendable {
    let value = Atomic(false)
}
