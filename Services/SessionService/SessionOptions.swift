import ArgumentParser
import ServiceKit

/// Delivery timing of session-ms.
struct SessionOptions: ParsableArguments {
    @Option(help: "How long to wait for the recipient's CLIENT_ACK before trying again, in ms (env ACK_TIMEOUT_MS).")
    var ackTimeoutMs: Int = EnvironmentDefault.int("ACK_TIMEOUT_MS", 3000)

    @Option(help: "Deliveries to a connected recipient before the message is stored offline (env MAX_DELIVERY_ATTEMPTS).")
    var maxDeliveryAttempts: Int = EnvironmentDefault.int("MAX_DELIVERY_ATTEMPTS", 3)

    @Option(help: "Each retry waits this many times longer for the ack than the previous attempt (env RETRY_BACKOFF).")
    var retryBackoff: Int = EnvironmentDefault.int("RETRY_BACKOFF", 2)

    @Option(help: "Timeout of one call to a gateway's internal /send, in ms (env GATEWAY_TIMEOUT_MS).")
    var gatewayTimeoutMs: Int = EnvironmentDefault.int("GATEWAY_TIMEOUT_MS", 2000)

    @Option(help: "Most messages one call to a gateway's internal /send carries (env GATEWAY_BATCH_SIZE).")
    var gatewayBatchSize: Int = EnvironmentDefault.int("GATEWAY_BATCH_SIZE", 500)

    @Option(help: "Calls open at once to one gateway; messages arriving meanwhile go in the next call (env GATEWAY_CALLS_IN_FLIGHT).")
    var gatewayCallsInFlight: Int = EnvironmentDefault.int("GATEWAY_CALLS_IN_FLIGHT", 2)

    @Option(
        help: """
            How long a stored copy sent on a connect waits for that CONNECTED to reach this service \
            before the recipient counts as offline, in ms (env CONNECTION_WAIT_MS).
            """)
    var connectionWaitMs: Int = EnvironmentDefault.int("CONNECTION_WAIT_MS", 5000)

    @Option(
        help: """
            How long newer messages for a recipient wait for the stored copies of older ones \
            (they went to storage when no connection took them) before they are pushed anyway, \
            in ms; 0 does not wait, and order across a reconnect is not kept (env ORDER_WAIT_MS).
            """)
    var orderWaitMs: Int = EnvironmentDefault.int("ORDER_WAIT_MS", 3000)

    mutating func validate() throws {
        guard ackTimeoutMs >= 10 else { throw ValidationError("--ack-timeout-ms must be at least 10") }
        guard maxDeliveryAttempts >= 1 else { throw ValidationError("--max-delivery-attempts must be at least 1") }
        guard retryBackoff >= 1 else { throw ValidationError("--retry-backoff must be at least 1") }
        guard gatewayTimeoutMs >= 10 else { throw ValidationError("--gateway-timeout-ms must be at least 10") }
        guard gatewayBatchSize >= 1 else { throw ValidationError("--gateway-batch-size must be at least 1") }
        guard connectionWaitMs >= 0 else { throw ValidationError("--connection-wait-ms must not be negative") }
        guard orderWaitMs >= 0 else { throw ValidationError("--order-wait-ms must not be negative") }
        guard gatewayCallsInFlight >= 1 else { throw ValidationError("--gateway-calls-in-flight must be at least 1") }
    }

    var connectionWait: Duration { .milliseconds(connectionWaitMs) }
    var orderWait: Duration { .milliseconds(orderWaitMs) }

    func ackTimeout(attempt: Int) -> Duration {
        var milliseconds = ackTimeoutMs
        for _ in 1..<max(attempt, 1) { milliseconds *= retryBackoff }
        return .milliseconds(milliseconds)
    }
}
