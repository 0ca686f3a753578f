import Auth
import Broker
import ChatProtocol
import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import PublicAPI
import ServiceKit

/// `POST /login`: checks the identity token, registers the user on first login, issues a
/// new access key for the device (replacing its previous one) and announces the login on
/// `new-login` so push-notification learns the device token.
struct LoginRoute: Sendable {
    let identity: any IdentityProvider
    let profiles: ProfileStore
    let keys: AccessKeyStore
    let keyLifetime: Duration
    let producer: BrokerProducer
    let newLoginTopic: String

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.post("/login") { request, context in
            try await login(request, logger: context.logger)
        }
    }

    func login(_ request: Request, logger: Logger) async throws -> Response {
        let trackId = RequestTrackId.of(request)
        let logger = logger.tracking(trackId)
        let login: LoginRequest
        do {
            login = try await LoginRequest(request)
        } catch {
            Self.count("invalid")
            throw error
        }
        let verified: VerifiedIdentity
        do {
            verified = try await identity.verify(token: login.authToken, username: login.username)
        } catch .rejected(let reason) {
            Self.count("rejected")
            logger.notice("login refused", metadata: ["user": .string(login.username), "reason": .string(reason)])
            throw APIError(.unauthorized, reason)
        } catch .unavailable(let reason) {
            Self.count("unavailable")
            throw APIError(.serviceUnavailable, reason)
        }
        let isNew = try await profiles.recordLogin(username: login.username, name: verified.name)
        let key = try await keys.issue(user: login.username, device: login.deviceId, lifetime: keyLifetime)
        let event = LoginEvent(
            user: login.username, deviceId: login.deviceId, notificationToken: login.notificationToken,
            messageVersion: login.messageVersion)
        // The login answers only once the event is durable, so no device goes without pushes.
        try await producer.send(
            topic: newLoginTopic, key: event.user, value: event.protobufData(), headers: [TrackId.header(trackId)])
        Self.count("ok")
        logger.info("login", metadata: ["user": .string(login.username), "device": .string(login.deviceId), "isNew": "\(isNew)"])
        return APIResponse.json(["status": true, "username": login.username, "accesskey": key, "isNew": isNew])
    }

    private static func count(_ outcome: String) {
        Counter(label: "profile_logins_total", dimensions: [("outcome", outcome)]).increment()
    }
}

/// The track id of a request: nginx's request id when it sent one, so its access log and
/// our logs and broker records can be matched, else a new one.
enum RequestTrackId {
    static let header = HTTPField.Name("x-request-id")!

    static func of(_ request: Request) -> String {
        guard let value = request.headers[header], (1...64).contains(value.utf8.count),
            value.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) })
        else { return TrackId.make() }
        return value
    }
}
