import Hummingbird

/// A request context that carries the user `AccessKeyMiddleware` authenticated.
public protocol AuthenticatedRequestContext: RequestContext {
    /// Set by `AccessKeyMiddleware` once the credentials checked out; nil before.
    var username: String? { get set }
}

/// A ready-made context for services that need nothing else on their requests.
public struct AuthenticatedContext: AuthenticatedRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var username: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        username = nil
    }
}
