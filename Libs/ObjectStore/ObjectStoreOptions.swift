import ArgumentParser
import Foundation
import ServiceKit

/// The object store flags every service that keeps objects shares (`@OptionGroup`). Each
/// falls back to the environment variable named in its help text. Without `--s3-endpoint`
/// the store is off (`isConfigured`); a service that cannot do without it calls
/// `requireConfigured()` in its own `validate()`.
public struct ObjectStoreOptions: ParsableArguments, Sendable {
    @Option(help: "The S3-compatible store's URL as this service reaches it, e.g. http://127.0.0.1:8333; empty: no object store (env S3_ENDPOINT).")
    public var s3Endpoint: String = EnvironmentDefault.string("S3_ENDPOINT", "")

    @Option(help: "The region requests are signed for; us-east-1 suits stores that have none (env S3_REGION).")
    public var s3Region: String = EnvironmentDefault.string("S3_REGION", "us-east-1")

    @Option(help: "The bucket objects are kept in; created at start when missing (env S3_BUCKET).")
    public var s3Bucket: String = EnvironmentDefault.string("S3_BUCKET", "vartalap")

    @Option(help: "The store's access key id (env S3_ACCESS_KEY).")
    public var s3AccessKey: String = EnvironmentDefault.string("S3_ACCESS_KEY", "")

    @Option(help: "The store's secret key; never logged. Prefer --s3-secret-key-file (env S3_SECRET_KEY).")
    public var s3SecretKey: String = EnvironmentDefault.string("S3_SECRET_KEY", "")

    @Option(help: "A file holding the secret key (surrounding whitespace ignored), instead of --s3-secret-key (env S3_SECRET_KEY_FILE).")
    public var s3SecretKeyFile: String = EnvironmentDefault.string("S3_SECRET_KEY_FILE", "")

    @Option(help: "Path-style addressing, http://host/bucket/key (true, what local stores need), or the bucket in the host name, http://bucket.host/key (false) (env S3_PATH_STYLE).")
    public var s3PathStyle: Bool = EnvironmentDefault.bool("S3_PATH_STYLE", true)

    @Option(help: "The base URL clients reach the store at, when it is not --s3-endpoint (e.g. through nginx): presigned URLs are made and signed for its host; a path prefix it has is put in front of /bucket/key and is not signed (the proxy strips it) (env S3_PUBLIC_URL).")
    public var s3PublicUrl: String = EnvironmentDefault.string("S3_PUBLIC_URL", "")

    @Option(help: "Milliseconds one store call may take, its body included (env S3_TIMEOUT_MS).")
    public var s3TimeoutMs: Int = EnvironmentDefault.int("S3_TIMEOUT_MS", 30_000)

    public init() {}

    /// Whether a store is configured at all.
    public var isConfigured: Bool { !s3Endpoint.isEmpty }

    public mutating func validate() throws {
        guard isConfigured else { return }
        guard let endpoint = ObjectStoreEndpoint(s3Endpoint) else {
            throw ValidationError("--s3-endpoint must be an http(s)://host[:port] URL")
        }
        guard endpoint.pathPrefix.isEmpty else {
            throw ValidationError("--s3-endpoint must have no path: the store is addressed as /bucket/key on it")
        }
        guard ObjectStoreConfiguration.isValidBucketName(s3Bucket) else {
            throw ValidationError("--s3-bucket must be 3-63 characters of a-z, 0-9, '.' and '-', starting and ending with a letter or digit")
        }
        guard !s3Region.isEmpty, s3Region.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw ValidationError("--s3-region must be a region name such as us-east-1")
        }
        guard !s3AccessKey.isEmpty else { throw ValidationError("--s3-endpoint needs --s3-access-key") }
        switch (s3SecretKey.isEmpty, s3SecretKeyFile.isEmpty) {
        case (true, true): throw ValidationError("--s3-endpoint needs --s3-secret-key or --s3-secret-key-file")
        case (false, false): throw ValidationError("give --s3-secret-key or --s3-secret-key-file, not both")
        case (true, false):
            guard FileManager.default.isReadableFile(atPath: s3SecretKeyFile) else {
                throw ValidationError("--s3-secret-key-file \(s3SecretKeyFile) cannot be read")
            }
        case (false, true): break
        }
        if !s3PublicUrl.isEmpty, ObjectStoreEndpoint(s3PublicUrl) == nil {
            throw ValidationError("--s3-public-url must be an http(s)://host[:port][/prefix] URL")
        }
        guard (100...600_000).contains(s3TimeoutMs) else { throw ValidationError("--s3-timeout-ms must be 100-600000") }
    }

    /// For services that need the store: call from their `validate()`.
    public func requireConfigured() throws {
        guard isConfigured else { throw ValidationError("--s3-endpoint (env S3_ENDPOINT) is required") }
    }

    /// The configuration these flags describe; reads the secret key file. Call once at start.
    public func configuration() throws -> ObjectStoreConfiguration {
        guard let endpoint = ObjectStoreEndpoint(s3Endpoint) else {
            throw ValidationError("--s3-endpoint must be an http(s)://host[:port] URL")
        }
        let secret: String
        if s3SecretKeyFile.isEmpty {
            secret = s3SecretKey
        } else {
            let data = try Data(contentsOf: URL(fileURLWithPath: s3SecretKeyFile))
            secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !secret.isEmpty else { throw ValidationError("--s3-secret-key-file \(s3SecretKeyFile) is empty") }
        }
        return ObjectStoreConfiguration(
            endpoint: endpoint, region: s3Region, bucket: s3Bucket,
            credentials: SigV4Credentials(accessKey: s3AccessKey, secretKey: secret), pathStyle: s3PathStyle,
            publicURL: s3PublicUrl.isEmpty ? nil : ObjectStoreEndpoint(s3PublicUrl),
            requestTimeout: .milliseconds(s3TimeoutMs))
    }

    /// For the start-up log line and `--check-config`: the secret key is never shown.
    public var redactedSummary: [String: String] {
        [
            "s3Endpoint": s3Endpoint.isEmpty ? "(unset)" : s3Endpoint,
            "s3Region": s3Region,
            "s3Bucket": s3Bucket,
            "s3AccessKey": s3AccessKey,
            "s3SecretKey": s3SecretKey.isEmpty ? "(unset)" : "(hidden)",
            "s3SecretKeyFile": s3SecretKeyFile.isEmpty ? "(unset)" : s3SecretKeyFile,
            "s3PathStyle": String(s3PathStyle),
            "s3PublicUrl": s3PublicUrl.isEmpty ? "(unset)" : s3PublicUrl,
            "s3TimeoutMs": String(s3TimeoutMs),
        ]
    }
}
