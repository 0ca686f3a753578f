import Logging

/// Logs each push instead of sending it: the local stack has no Firebase project, and
/// the log shows what a device would have received.
struct LogPushProvider: PushProvider {
    let logger: Logger

    func send(_ push: Push) async -> PushOutcome {
        logger.info(
            "push (log provider, not sent)",
            metadata: [
                "user": .string(push.user), "device": .string(push.device), "token": .string(push.tokenHint),
                "data": .dictionary(push.data.mapValues { .string($0) }),
            ])
        return .sent
    }
}
