/// What a client presents on every request but `/login`: its username and access key.
public struct Credentials: Sendable, Equatable {
    public let username: String
    public let accessKey: String

    public init(username: String, accessKey: String) {
        self.username = username
        self.accessKey = accessKey
    }
}
