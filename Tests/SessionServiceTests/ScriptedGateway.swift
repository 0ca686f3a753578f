import ChatProtocol
import Foundation
import Synchronization

@testable import SessionService

/// A gateway that answers each push as the test scripts it (written by default) and
/// records what was pushed where.
final class ScriptedGateway: GatewayPusher {
    struct Push: Equatable {
        let user: String
        let messageId: String
        let url: String
    }

    private let answers = Mutex<[String: PushOutcome]>([:])
    private let pushed = Mutex<[Push]>([])

    /// How the gateway at `url` answers from now on.
    func answer(_ outcome: PushOutcome, at url: String) {
        answers.withLock { $0[url] = outcome }
    }

    var pushes: [Push] { pushed.withLock { $0 } }

    func pushes(of messageId: String) -> Int { pushes.filter { $0.messageId == messageId }.count }

    func send(_ message: Data, to user: String, at gatewayInternalURL: String) async -> PushOutcome {
        let id = (try? ChatMessage(protobuf: message))?.id ?? "undecodable"
        pushed.withLock { $0.append(Push(user: user, messageId: id, url: gatewayInternalURL)) }
        return answers.withLock { $0[gatewayInternalURL] } ?? .answered(.written)
    }
}
