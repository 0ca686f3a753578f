import AsyncHTTPClient
import Foundation
import JWTKit
import Logging

/// The public keys that sign Firebase ID tokens, fetched from a JSON map kid -> PEM
/// certificate and kept as long as the response's `Cache-Control: max-age` allows.
actor FirebaseKeySource {
    static let googleCertificatesURL =
        "https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com"

    /// One fetched set of keys.
    struct KeySet: Sendable {
        let collection: JWTKeyCollection
        let kids: Set<String>
        let fetchedAt: ContinuousClock.Instant
        let validUntil: ContinuousClock.Instant
    }

    /// A token naming a key we do not have triggers a new fetch (Google rotates keys), but
    /// no more often than this, so made-up key ids cannot make us hammer the endpoint.
    private static let unknownKeyRefetchInterval = Duration.seconds(60)
    private static let maxResponseBytes = 1 << 20

    private let url: String
    private let http: HTTPClient
    private let logger: Logger
    private var current: KeySet?
    private var inFlight: Task<KeySet, any Error>?

    init(url: String, http: HTTPClient, logger: Logger) {
        self.url = url
        self.http = http
        self.logger = logger
    }

    /// The keys to check a token signed with `kid` against.
    func keys(for kid: String) async throws(IdentityError) -> KeySet {
        let now = ContinuousClock.now
        if let current, now < current.validUntil,
            current.kids.contains(kid) || now - current.fetchedAt < Self.unknownKeyRefetchInterval
        {
            return current
        }
        do {
            return try await refresh()
        } catch {
            logger.error("fetching Firebase signing keys failed", metadata: ["url": .string(url), "error": "\(error)"])
            throw .unavailable("the identity provider's keys are unavailable, try again")
        }
    }

    /// Concurrent logins that find the cache expired share one fetch.
    private func refresh() async throws -> KeySet {
        if let inFlight { return try await inFlight.value }
        let task = Task { [url, http, logger] in try await Self.fetch(url: url, http: http, logger: logger) }
        inFlight = task
        defer { inFlight = nil }
        let keySet = try await task.value
        current = keySet
        return keySet
    }

    private static func fetch(url: String, http: HTTPClient, logger: Logger) async throws -> KeySet {
        let fetchedAt = ContinuousClock.now
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        guard response.status == .ok else { throw KeyFetchError("status \(response.status.code)") }
        let body = try await response.body.collect(upTo: maxResponseBytes)
        let certificates = try JSONDecoder().decode([String: String].self, from: Data(body.readableBytesView))
        let collection = JWTKeyCollection()
        var kids = Set<String>()
        for (kid, pem) in certificates {
            do {
                let key = try Insecure.RSA.PublicKey(certificatePEM: pem)
                await collection.add(rsa: key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
                kids.insert(kid)
            } catch {
                logger.warning("skipping an unreadable signing certificate", metadata: ["kid": .string(kid)])
            }
        }
        guard !kids.isEmpty else { throw KeyFetchError("no usable certificate") }
        let maxAge = CacheControl.maxAge(response.headers[canonicalForm: "cache-control"].joined(separator: ","))
        logger.info("fetched Firebase signing keys", metadata: ["count": "\(kids.count)", "maxAgeSeconds": "\(maxAge ?? 0)"])
        return KeySet(
            collection: collection, kids: kids, fetchedAt: fetchedAt, validUntil: fetchedAt + .seconds(maxAge ?? 0))
    }
}

struct KeyFetchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum CacheControl {
    /// The `max-age` of a Cache-Control header in seconds; nil when absent or when the
    /// response may not be reused (`no-store`, `no-cache`).
    static func maxAge(_ header: String) -> Int? {
        var maxAge: Int?
        for directive in header.split(separator: ",") {
            let parts = directive.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            switch parts.first {
            case "no-store", "no-cache": return nil
            case "max-age": maxAge = parts.count == 2 ? Int(parts[1].trimmingCharacters(in: ["\""])) : nil
            default: continue
            }
        }
        return maxAge.map { max($0, 0) }
    }
}
