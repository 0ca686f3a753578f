import ChatProtocol
@testable import SessionService
import Testing

@Suite struct LiveConnectionsTests {
    private let start = ContinuousClock.now

    private static func event(
        _ state: ConnectionState.State, _ connectionId: String, user: String = "ann", url: String = "http://gateway-1:9000",
        timestamp: UInt64 = 1_700_000_000_000
    ) -> ConnectionState {
        ConnectionState(
            user: user, state: state, gateway: "gateway-1", gatewayInternalURL: url, connectionId: connectionId,
            timestamp: timestamp)
    }

    private static func connection(_ id: String, user: String = "ann", url: String) -> LiveConnections.Connection {
        LiveConnections.Connection(id: id, user: user, gateway: "gateway-1", gatewayInternalURL: url, since: 1_700_000_000_000)
    }

    @Test func anUnknownUserIsNotFreshAndAFirstEventDoesNotMakeItSo() {
        var live = LiveConnections(freshFor: .seconds(10))
        #expect(!live.lookup("ann", at: start).isFresh)
        #expect(live.lookup("ann", at: start).generation == 0)
        live.apply(Self.event(.connected, "c1"), at: start)
        let found = live.lookup("ann", at: start)
        #expect(found.gatewayInternalURLs == ["http://gateway-1:9000"])
        #expect(!found.isFresh, "another instance may have recorded connections of ann")
    }

    @Test func aDatabaseReadMakesTheEntryFreshForAWhile() {
        var live = LiveConnections(freshFor: .seconds(10))
        let generation = live.lookup("ann", at: start).generation
        let landed = live.replace("ann", with: [Self.connection("c1", url: "http://gateway-2:9000")], readAtGeneration: generation, at: start)
        #expect(landed)
        #expect(live.lookup("ann", at: start + .seconds(9)).isFresh)
        #expect(!live.lookup("ann", at: start + .seconds(10)).isFresh)
        #expect(live.lookup("ann", at: start).gatewayInternalURLs == ["http://gateway-2:9000"])
    }

    @Test func aReadNeverOverwritesAnEventAppliedWhileItRan() {
        var live = LiveConnections(freshFor: .seconds(10))
        live.apply(Self.event(.connected, "c1"), at: start)
        let readFrom = live.lookup("ann", at: start).generation
        live.apply(Self.event(.connected, "c2", url: "http://gateway-2:9000"), at: start)
        let landed = live.replace("ann", with: [], readAtGeneration: readFrom, at: start)
        #expect(!landed)
        #expect(live.lookup("ann", at: start).gatewayInternalURLs.sorted() == ["http://gateway-1:9000", "http://gateway-2:9000"])
    }

    @Test func oneURLPerGatewayOldestConnectionFirst() {
        var live = LiveConnections(freshFor: .seconds(10))
        live.apply(Self.event(.connected, "c1", url: "http://gateway-2:9000", timestamp: 3), at: start)
        live.apply(Self.event(.connected, "c2", url: "http://gateway-1:9000", timestamp: 1), at: start)
        live.apply(Self.event(.connected, "c3", url: "http://gateway-2:9000", timestamp: 2), at: start)
        #expect(live.lookup("ann", at: start).gatewayInternalURLs == ["http://gateway-1:9000", "http://gateway-2:9000"])
        live.apply(Self.event(.disconnected, "c2", url: "http://gateway-1:9000"), at: start)
        #expect(live.lookup("ann", at: start).gatewayInternalURLs == ["http://gateway-2:9000"])
    }

    @Test func aGoneGatewaysConnectionsAreFoundByURLAndAge() {
        var live = LiveConnections(freshFor: .seconds(10))
        live.apply(Self.event(.connected, "old", url: "http://gateway-1:9000", timestamp: 10), at: start)
        live.apply(Self.event(.connected, "new", user: "bea", url: "http://gateway-1:9000", timestamp: 30), at: start)
        live.apply(Self.event(.connected, "other", url: "http://gateway-2:9000", timestamp: 10), at: start)
        #expect(live.connections(at: "http://gateway-1:9000", before: 20).map(\.id) == ["old"])
    }

    @Test func loadingAtStartKeepsWhatEventsAlreadyApplied() {
        var live = LiveConnections(freshFor: .seconds(10))
        live.apply(Self.event(.connected, "c9", url: "http://gateway-9:9000"), at: start)
        live.load(
            [Self.connection("c1", url: "http://gateway-1:9000"), Self.connection("b1", user: "bob", url: "http://gateway-2:9000")],
            at: start)
        #expect(live.lookup("ann", at: start).gatewayInternalURLs == ["http://gateway-9:9000"])
        #expect(live.lookup("bob", at: start).gatewayInternalURLs == ["http://gateway-2:9000"])
        #expect(live.lookup("bob", at: start).isFresh)
    }

    @Test func usersWithoutSocketsArePrunedOnceStaleButConnectedOnesStay() {
        var live = LiveConnections(freshFor: .seconds(10), pruneThreshold: 10)
        live.apply(Self.event(.connected, "c1"), at: start)
        for index in 0..<9 {
            live.replace("offline-\(index)", with: [], readAtGeneration: 0, at: start)
        }
        live.replace("late", with: [], readAtGeneration: 0, at: start + .seconds(11))
        #expect(live.userCount == 2, "ann (connected) and late (fresh) stay")
        #expect(live.lookup("ann", at: start).gatewayInternalURLs == ["http://gateway-1:9000"])
    }
}
