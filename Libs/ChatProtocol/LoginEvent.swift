import Foundation

/// A successful login, published on `new-login` so push-notification learns the device token.
public struct LoginEvent: Sendable, Equatable {
    public var user: String
    public var deviceId: String
    public var notificationToken: String
    /// The envelope version the client asked for at login.
    public var messageVersion: Float

    public init(user: String, deviceId: String, notificationToken: String, messageVersion: Float) {
        self.user = user
        self.deviceId = deviceId
        self.notificationToken = notificationToken
        self.messageVersion = messageVersion
    }
}
