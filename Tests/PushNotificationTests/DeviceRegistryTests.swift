import ChatProtocol
import DocumentStore
import Foundation
import TestSupport
import XCTest

@testable import PushNotification

/// The device registry against the real database.
final class DeviceRegistryTests: XCTestCase {
    private func registry() async throws -> (DeviceRegistry, DocumentStore) {
        let database = try DocumentStore(uri: try TestStack.mongoURL())
        let registry = DeviceRegistry(
            collection: database.collection(DeviceRegistry.collectionName, in: TestStack.uniqueName("push-registry")))
        try await registry.createIndexes()
        return (registry, database)
    }

    private func login(_ user: String, _ device: String, _ token: String, version: Float = 2.1) -> LoginEvent {
        LoginEvent(user: user, deviceId: device, notificationToken: token, messageVersion: version)
    }

    func testEachDeviceKeepsTheTokenOfItsLatestLogin() async throws {
        let (registry, database) = try await registry()
        try await registry.register(login("bob", "phone", "t1"))
        try await registry.register(login("bob", "tablet", "t2", version: 3))
        try await registry.register(login("bob", "phone", "t3"))
        try await registry.register(login("alice", "phone", "t4"))
        let devices = try await registry.devices(of: "bob")
        XCTAssertEqual(devices, [
            .init(user: "bob", device: "phone", token: "t3", messageVersion: 2.1),
            .init(user: "bob", device: "tablet", token: "t2", messageVersion: 3),
        ])
        let count = try await registry.collection.count()
        XCTAssertEqual(count, 3, "one document per user and device")
        await database.close()
    }

    func testATokenBelongsToWhoeverLoggedInWithItLast() async throws {
        let (registry, database) = try await registry()
        try await registry.register(login("bob", "phone", "shared-phone"))
        try await registry.register(login("carol", "phone", "shared-phone"))
        let bob = try await registry.devices(of: "bob")
        let carol = try await registry.devices(of: "carol")
        XCTAssertEqual(bob, [], "bob's pushes must not reach the phone carol now uses")
        XCTAssertEqual(carol.map(\.token), ["shared-phone"])
        await database.close()
    }

    func testALoginWithoutTokenForgetsTheDevice() async throws {
        let (registry, database) = try await registry()
        try await registry.register(login("bob", "phone", "t1"))
        try await registry.register(login("bob", "laptop", "t2"))
        try await registry.register(login("bob", "phone", ""))
        let devices = try await registry.devices(of: "bob")
        XCTAssertEqual(devices.map(\.device), ["laptop"])
        await database.close()
    }

    func testADeadTokenIsRemovedOnlyWhileTheDeviceStillHasIt() async throws {
        let (registry, database) = try await registry()
        try await registry.register(login("bob", "phone", "old"))
        let before = try await registry.devices(of: "bob")
        let stale = try XCTUnwrap(before.first)
        try await registry.register(login("bob", "phone", "new"))
        try await registry.remove(stale)
        let afterStale = try await registry.devices(of: "bob")
        XCTAssertEqual(afterStale.map(\.token), ["new"], "a newer login's token survives")
        try await registry.remove(try XCTUnwrap(afterStale.first))
        let afterCurrent = try await registry.devices(of: "bob")
        XCTAssertEqual(afterCurrent, [])
        await database.close()
    }
}
