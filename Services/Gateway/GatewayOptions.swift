import ArgumentParser
import ServiceKit

/// Flags of the WebSocket gateway beyond the common ones.
struct GatewayOptions: ParsableArguments {
    @Option(help: "Address of the public port: WebSocket and REST send, behind nginx (env PUBLIC_HOST).")
    var publicHost: String = EnvironmentDefault.string("PUBLIC_HOST", "127.0.0.1")

    @Option(help: "The public port (env PUBLIC_PORT).")
    var publicPort: Int = EnvironmentDefault.int("PUBLIC_PORT", 8200)

    @Option(help: "This gateway instance's name in connection events; defaults to the app name (env GATEWAY_ID).")
    var gatewayId: String = EnvironmentDefault.string("GATEWAY_ID", "")

    @Option(help: "Seconds between the comments that keep an idle /events stream open through proxies (env EVENT_STREAM_KEEP_ALIVE_SECONDS).")
    var eventStreamKeepAliveSeconds: Int = EnvironmentDefault.int("EVENT_STREAM_KEEP_ALIVE_SECONDS", 15)

    @Option(
        name: .customLong("gateway-internal-url"),
        help: "The gateway internal URL: where session-ms reaches this gateway's internal /send; defaults to http://HTTP_HOST:HTTP_PORT (env GATEWAY_INTERNAL_URL).")
    var gatewayInternalURL: String = EnvironmentDefault.string("GATEWAY_INTERNAL_URL", "")

    @Option(help: "Largest accepted message in bytes, per frame and per REST message (env MAX_MESSAGE_BYTES).")
    var maxMessageBytes: Int = EnvironmentDefault.int("MAX_MESSAGE_BYTES", 65536)

    @Option(
        help: "Messages a user may send per second on average, over all of the user's connections and REST send on this gateway (env RATE_LIMIT_PER_SECOND).")
    var rateLimitPerSecond: Int = EnvironmentDefault.int("RATE_LIMIT_PER_SECOND", 200)

    @Option(help: "Messages a user may send in one burst (env RATE_LIMIT_BURST).")
    var rateLimitBurst: Int = EnvironmentDefault.int("RATE_LIMIT_BURST", 400)

    @Option(
        help: "Bytes written to one connection that its client has not read yet; past this the connection is closed and its unacked messages are stored (env MAX_PENDING_BYTES).")
    var maxPendingBytes: Int = EnvironmentDefault.int("MAX_PENDING_BYTES", 4 << 20)

    mutating func validate() throws {
        guard (1...65535).contains(publicPort) else { throw ValidationError("--public-port must be between 1 and 65535") }
        guard maxMessageBytes >= 1024 else { throw ValidationError("--max-message-bytes must be at least 1024") }
        guard rateLimitPerSecond >= 1, rateLimitBurst >= 1 else { throw ValidationError("rate limits must be at least 1") }
        guard maxPendingBytes >= 4 * maxMessageBytes else {
            throw ValidationError("--max-pending-bytes must be at least 4 times --max-message-bytes")
        }
        guard eventStreamKeepAliveSeconds >= 1 else { throw ValidationError("--event-stream-keep-alive-seconds must be at least 1") }
    }
}
