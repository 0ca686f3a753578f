/// One push to one device: the data payload FCM hands to the app.
struct Push: Sendable, Equatable {
    let user: String
    let device: String
    let token: String
    let data: [String: String]
}

/// What became of a push.
enum PushOutcome: Sendable, Equatable {
    case sent
    /// The provider says the token is dead (app uninstalled, token rotated): forget it.
    case unregistered
    /// Not delivered, for a reason worth logging; the message itself stays stored.
    case failed(String)
}

/// Where pushes go: FCM in production, the log locally.
protocol PushProvider: Sendable {
    func send(_ push: Push) async -> PushOutcome
}

extension Push {
    /// Enough of the token to tell devices apart in logs without publishing it.
    var tokenHint: String { "…" + token.suffix(6) }
}
