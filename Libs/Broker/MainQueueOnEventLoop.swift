import CRdKafka
import Glibc
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Serves a client's main queue (a producer's delivery reports) on a SwiftNIO event loop
/// instead of on a thread of its own.
///
/// librdkafka writes a byte to a pipe when the queue gets work while empty
/// (`rd_kafka_queue_io_event_enable`); the loop wakes on the pipe and serves the queue
/// without waiting (`rd_kafka_poll(handle, 0)`). A report then costs one wake-up, of the
/// loop, instead of two (a poll thread's, then the loop's, where whatever the report
/// completes, a server ack or a resolved record, runs anyway). Everything a report runs
/// must be short and never block, as on any event loop; `ProduceReceipt` says so.
final class MainQueueOnEventLoop: Sendable {
    private let queue: QueueHandle
    private let writeEnd: CInt
    private let channel: EventLoopFuture<any Channel>
    /// Serves the queue if the loop could not take the pipe (never seen; kept so that a
    /// failure there costs a thread, not every delivery report).
    private let fallback: FallbackPoller

    init(handle: KafkaHandle, eventLoop: any EventLoop, logger: Logger) throws {
        var ends: [CInt] = [0, 0]
        guard pipe(&ends) == 0 else { throw BrokerError(.configuration, "no pipe for delivery reports (errno \(errno))") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        // librdkafka requires a non-blocking write end; the loop sets its read end itself.
        _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
        queue = QueueHandle(rd_kafka_queue_get_main(handle.pointer))
        writeEnd = ends[1]
        var wakeByte: UInt8 = 1
        rd_kafka_queue_io_event_enable(queue.pointer, writeEnd, &wakeByte, 1)

        let readEnd = ends[0]
        let fallback = FallbackPoller()
        self.fallback = fallback
        channel = NIOPipeBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(QueueWakeupHandler(handle: handle))
                }
            }
            .takingOwnershipOfDescriptor(input: readEnd)
        channel.whenFailure { error in
            Glibc.close(readEnd)
            logger.error(
                "delivery reports served by a thread of their own: the event loop could not take their pipe",
                metadata: ["reason": "\(error)"])
            fallback.start { rd_kafka_poll(handle.pointer, 100) }
        }
    }

    /// Stops serving on the loop; call before the final `rd_kafka_flush`, which serves what
    /// is left itself, and before the client is destroyed. No report is served on the loop
    /// after this returns.
    func stop() async {
        rd_kafka_queue_io_event_enable(queue.pointer, -1, nil, 0)
        // Waits for the pipe's registration too, so a loop still taking it polls nothing later.
        if let channel = try? await channel.get() { try? await channel.close() }
        if fallback.isRunning {
            // Stopping it waits for its current poll: not on the caller's (maybe a loop's) thread.
            let fallback = self.fallback
            _ = try? await BlockingThread.run(name: "broker-producer-close") { fallback.stop() }
        }
        Glibc.close(writeEnd)
        rd_kafka_queue_destroy(queue.pointer)
    }
}

/// The thread that serves the queue when the loop could not take the pipe.
private final class FallbackPoller: Sendable {
    private let thread = Mutex<PollThread?>(nil)

    func start(_ poll: @escaping @Sendable () -> Void) {
        thread.withLock { $0 = PollThread(name: "broker-producer-poll", poll: poll) }
    }

    var isRunning: Bool { thread.withLock { $0 != nil } }

    /// Blocks until the thread's current poll returns.
    func stop() { thread.withLock { $0 }?.stop() }
}

/// A reference to a librdkafka queue; librdkafka's queues are thread-safe.
private final class QueueHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

/// Serves the queue once per burst of wake-up bytes; the bytes themselves say nothing.
private final class QueueWakeupHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let handle: KafkaHandle

    init(handle: KafkaHandle) { self.handle = handle }

    /// Serves what came before the wake-ups were enabled: librdkafka writes only when an
    /// empty queue gets work, so an early report or error event (a refused connection
    /// comes within a millisecond of the client's start) would otherwise keep the queue
    /// non-empty, and silent, for good.
    func channelActive(context: ChannelHandlerContext) {
        rd_kafka_poll(handle.pointer, 0)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func channelReadComplete(context: ChannelHandlerContext) {
        rd_kafka_poll(handle.pointer, 0)
    }
}
