import DocumentStore
import Foundation
import Logging
import Synchronization

/// Checks a caller's credentials against the `access_keys` collection, so each service
/// that serves clients authenticates requests itself rather than trusting a header set
/// by the proxy in front of it.
///
/// Valid keys are remembered for `cacheTTL` (never past their expiry) to spare the
/// database a round trip per request; a revoked key can therefore keep working for up to
/// `cacheTTL` in services other than the one that revoked it. Failures are never cached,
/// so a key works the moment it is issued.
public final class AccessKeyVerifier: Sendable {
    private struct Entry {
        let username: String
        let validUntil: ContinuousClock.Instant
    }

    /// Bounds the cache: beyond this many entries, expired ones are dropped, and if that is
    /// not enough the cache starts over.
    private static let maxEntries = 100_000

    private let keys: AccessKeyStore
    private let cacheTTL: Duration
    private let logger: Logger
    private let cache = Mutex<[String: Entry]>([:])

    public init(store: DocumentStore, database: String, cacheTTL: Duration = .seconds(30), logger: Logger) {
        self.keys = AccessKeyStore(store: store, database: database)
        self.cacheTTL = cacheTTL
        self.logger = logger
    }

    /// True when the key exists, belongs to `credentials.username` and has not expired.
    /// - Throws: when the database cannot answer (the caller should answer 503, not 401).
    public func verify(_ credentials: Credentials) async throws -> Bool {
        guard AccessKeys.isWellFormed(credentials.accessKey) else { return false }
        let hash = AccessKeys.hash(credentials.accessKey)
        let now = ContinuousClock.now
        let cached = cache.withLock { $0[hash] }
        if let cached, cached.validUntil > now {
            return cached.username == credentials.username
        }
        guard let expiresAt = try await keys.expiry(of: credentials) else {
            logger.debug("access key refused", metadata: ["user": .string(credentials.username)])
            return false
        }
        let remaining = Duration.milliseconds(Int64(expiresAt.timeIntervalSinceNow * 1000))
        remember(hash, Entry(username: credentials.username, validUntil: now + min(cacheTTL, remaining)))
        return true
    }

    /// Drops a key from this verifier's cache, e.g. right after revoking it.
    public func forget(_ credentials: Credentials) {
        let hash = AccessKeys.hash(credentials.accessKey)
        _ = cache.withLock { $0.removeValue(forKey: hash) }
    }

    private func remember(_ hash: String, _ entry: Entry) {
        cache.withLock { cache in
            if cache.count >= Self.maxEntries {
                let now = ContinuousClock.now
                cache = cache.filter { $0.value.validUntil > now }
                if cache.count >= Self.maxEntries { cache.removeAll() }
            }
            cache[hash] = entry
        }
    }
}
