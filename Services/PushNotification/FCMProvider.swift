import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle

/// Sends pushes through the FCM HTTP v1 API.
///
/// 429 and 5xx answers (and unreachable endpoints) are tried again after a pause that
/// doubles each time, or as long as `Retry-After` asks; a 401 fetches a new access token
/// once; `UNREGISTERED`/`NOT_FOUND` reports the token dead; anything else is a failure
/// that retrying would not fix.
struct FCMProvider: PushProvider {
    let configuration: FCMConfiguration
    let tokens: GoogleAccessTokens
    let http: HTTPClient
    let logger: Logger

    func send(_ push: Push) async -> PushOutcome {
        let body: Data
        do {
            body = try FCMSendRequest(push, ttlSeconds: configuration.ttlSeconds).encoded()
        } catch {
            return .failed("cannot encode the push: \(error)")
        }
        var attempt = 1
        var renewedToken = false
        while true {
            let verdict = await attemptSend(body, renewedToken: renewedToken)
            switch verdict {
            case .done(let outcome):
                return outcome
            case .renewToken:
                renewedToken = true
                continue
            case .retry(let reason, let requested):
                guard attempt < configuration.maxAttempts, !Task.isShuttingDownGracefully else {
                    return .failed("\(reason), after \(attempt) attempts")
                }
                let pause = min(requested ?? backoff(after: attempt), configuration.maxRetryDelay)
                logger.notice(
                    "push will be retried",
                    metadata: ["user": .string(push.user), "device": .string(push.device), "reason": .string(reason), "retryIn": "\(pause)"])
                do {
                    try await Task.sleep(for: pause)
                } catch {
                    return .failed("\(reason), cancelled while waiting to retry")
                }
                attempt += 1
            }
        }
    }

    private enum Verdict {
        case done(PushOutcome)
        case renewToken
        /// Try again after the pause the server asked for, or the backoff when nil.
        case retry(String, Duration?)
    }

    private func attemptSend(_ body: Data, renewedToken: Bool) async -> Verdict {
        let accessToken: String
        do {
            accessToken = try await tokens.accessToken()
        } catch {
            return .retry("no access token: \(error)", nil)
        }
        var request = HTTPClientRequest(url: configuration.sendURL)
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(accessToken)")
        request.headers.add(name: "content-type", value: "application/json; charset=UTF-8")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        let answer: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .milliseconds(configuration.requestTimeoutMilliseconds))
            answer = try await response.body.collect(upTo: 1 << 20)
        } catch {
            return .retry("FCM unreachable: \(error)", nil)
        }
        let status = Int(response.status.code)
        switch status {
        case 200..<300:
            return .done(.sent)
        case 401 where !renewedToken:
            await tokens.invalidate(accessToken)
            return .renewToken
        case 429, 500..<600:
            return .retry("FCM answered \(status)", RetryAfter.parse(response.headers.first(name: "retry-after")))
        default:
            let error = try? JSONDecoder().decode(FCMErrorResponse.self, from: Data(buffer: answer))
            if error?.tokenIsDead == true { return .done(.unregistered) }
            return .done(.failed("FCM answered \(status) \(error?.summary ?? "")"))
        }
    }

    private func backoff(after attempt: Int) -> Duration {
        configuration.retryBaseDelay * (1 << min(attempt - 1, 20))
    }
}
