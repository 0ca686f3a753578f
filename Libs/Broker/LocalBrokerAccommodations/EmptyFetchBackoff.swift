import CRdKafka
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Makes a consumer's fetcher wait `backoff` after an empty fetch answer instead of
/// asking again at once.
///
/// librdkafka sends the next fetch as soon as the last one is answered and counts on the
/// broker to hold an empty one for `fetch.wait.max.ms`. The local broker answers at once,
/// so a busy consumer's fetcher loops fetch → empty answer → fetch between records,
/// thousands of times a second, and the broker answers them all: under any load that loop
/// filled the machine. Idle pausing (IdleFetchPacing) stops it when nothing arrives for a
/// while, but pausing between the records of a busy consumer costs a synchronous round
/// trip per partition, which cost more latency than it saved CPU.
///
/// This does it inside librdkafka's broker thread instead: an interceptor sees each fetch
/// answer before it is parsed, and when the answer is empty (EmptyFetchDetector) it holds
/// the thread for `backoff`. That thread is librdkafka's, not an event loop, and what
/// waits is only its next fetch (and any request it would send meanwhile), which is
/// exactly what a broker that holds empty fetches would make wait. librdkafka's header
/// asks interceptors not to block; the wait is kept to a few milliseconds for that reason.
/// Answers with records pass at once, so a burst is fetched without pause.
final class EmptyFetchBackoff: Sendable {
    let backoff: Duration
    private let fetches = Mutex(Fetches())
    private let waits = Atomic<Int>(0)

    private struct Fetches {
        /// The last fetch request's size per broker: each broker thread has one fetch out
        /// at a time, and its answer comes back on the same thread.
        var requestSizes: [Int32: Int] = [:]
        var detector = EmptyFetchDetector()
    }

    /// Kafka's API key of Fetch requests.
    static let fetchApiKey: Int16 = 1
    private static let name = "vartalap-empty-fetch-backoff"

    init(backoff: Duration) {
        self.backoff = backoff
    }

    /// Empty answers waited on so far.
    var waitCount: Int { waits.load(ordering: .relaxed) }

    /// Adds the interceptors to every client created from `conf`. The caller keeps this
    /// object alive for as long as that client exists: librdkafka holds a raw pointer.
    func install(on conf: OpaquePointer) {
        let opaque = Unmanaged.passUnretained(self).toOpaque()
        rd_kafka_conf_interceptor_add_on_new(conf, Self.name, { rk, _, opaque, _, _ in
            guard let rk, let opaque else { return RD_KAFKA_RESP_ERR_NO_ERROR }
            rd_kafka_interceptor_add_on_request_sent(rk, EmptyFetchBackoff.name, { _, _, _, broker, apiKey, _, _, size, opaque in
                if apiKey == EmptyFetchBackoff.fetchApiKey, let opaque {
                    Unmanaged<EmptyFetchBackoff>.fromOpaque(opaque).takeUnretainedValue().sent(broker: broker, size: size)
                }
                return RD_KAFKA_RESP_ERR_NO_ERROR
            }, opaque)
            rd_kafka_interceptor_add_on_response_received(rk, EmptyFetchBackoff.name, { _, _, _, broker, apiKey, _, _, size, _, error, opaque in
                if apiKey == EmptyFetchBackoff.fetchApiKey, error == RD_KAFKA_RESP_ERR_NO_ERROR, let opaque {
                    Unmanaged<EmptyFetchBackoff>.fromOpaque(opaque).takeUnretainedValue().received(broker: broker, size: size)
                }
                return RD_KAFKA_RESP_ERR_NO_ERROR
            }, opaque)
            return RD_KAFKA_RESP_ERR_NO_ERROR
        }, opaque)
    }

    private func sent(broker: Int32, size: Int) {
        fetches.withLock { $0.requestSizes[broker] = size }
    }

    /// On the broker thread, before librdkafka parses the answer.
    private func received(broker: Int32, size: Int) {
        let empty = fetches.withLock { fetches in
            guard let requestSize = fetches.requestSizes[broker] else { return false }
            return fetches.detector.isEmpty(requestSize: requestSize, responseSize: size)
        }
        guard empty else { return }
        waits.add(1, ordering: .relaxed)
        usleep(UInt32(clamping: backoff.microseconds))
    }
}
