import ChatProtocol
import DocumentStore
import Foundation

/// The devices that receive a user's pushes: one document per (user, device) with the
/// notification token and message version of the device's latest login.
struct DeviceRegistry: Sendable {
    static let collectionName = "push_devices"

    struct Device: Sendable, Equatable {
        let user: String
        let device: String
        let token: String
        let messageVersion: Float
    }

    let collection: DocumentCollection

    func createIndexes() async throws {
        try await collection.createIndex(["user": 1, "device": 1], unique: true, name: "user_device")
        try await collection.createIndex(["token": 1], name: "token")
    }

    /// Records a login. A token belongs to one device of one user: when another account
    /// logs in on the same phone, the previous account's pushes must stop reaching it.
    /// A login without a token (push disabled on the device) forgets the device.
    func register(_ login: LoginEvent, at time: Date = Date()) async throws {
        let device: Document = ["user": .string(login.user), "device": .string(login.deviceId)]
        guard !login.notificationToken.isEmpty else {
            try await collection.deleteOne(device)
            return
        }
        try await collection.deleteMany([
            "token": .string(login.notificationToken),
            "$or": [["user": ["$ne": .string(login.user)]], ["device": ["$ne": .string(login.deviceId)]]],
        ])
        try await collection.updateOne(
            device,
            [
                "$set": [
                    "token": .string(login.notificationToken), "messageVersion": .double(Double(login.messageVersion)),
                    "updatedAt": .date(time),
                ]
            ],
            upsert: true)
    }

    func devices(of user: String) async throws -> [Device] {
        try await collection.find(["user": .string(user)], sort: ["device": 1]).compactMap { document in
            guard let device = document["device"]?.stringValue, let token = document["token"]?.stringValue else { return nil }
            let version = document["messageVersion"]?.doubleValue.map(Float.init) ?? ChatMessage.currentVersion
            return Device(user: user, device: device, token: token, messageVersion: version)
        }
    }

    /// Forgets a device whose token the provider declared dead, unless a newer login
    /// replaced the token meanwhile.
    func remove(_ device: Device) async throws {
        try await collection.deleteOne([
            "user": .string(device.user), "device": .string(device.device), "token": .string(device.token),
        ])
    }
}
