import Hummingbird
import NIOCore

/// The request context of the gateway's public REST routes: the basic one plus the
/// connection's channel, so a long-lived response (`GET /events`) learns when its client
/// went away.
struct PublicRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
