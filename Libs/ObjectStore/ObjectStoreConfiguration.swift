import Foundation

/// Where the store is and how to talk to it; `ObjectStoreOptions` builds one from flags.
public struct ObjectStoreConfiguration: Sendable {
    /// The URL the service sends its requests to, e.g. http://127.0.0.1:8333.
    public var endpoint: ObjectStoreEndpoint
    public var region: String
    public var bucket: String
    public var credentials: SigV4Credentials
    /// `http://host:port/bucket/key` (true) or `http://bucket.host:port/key` (false).
    public var pathStyle: Bool
    /// The base URL presigned URLs carry when clients reach the store another way than the
    /// service does (through nginx, another host name); nil means the endpoint.
    public var publicURL: ObjectStoreEndpoint?
    /// The longest one call may take, the body included.
    public var requestTimeout: Duration

    public init(
        endpoint: ObjectStoreEndpoint, region: String = "us-east-1", bucket: String, credentials: SigV4Credentials,
        pathStyle: Bool = true, publicURL: ObjectStoreEndpoint? = nil, requestTimeout: Duration = .seconds(30)
    ) {
        self.endpoint = endpoint
        self.region = region
        self.bucket = bucket
        self.credentials = credentials
        self.pathStyle = pathStyle
        self.publicURL = publicURL
        self.requestTimeout = requestTimeout
    }

    /// S3's bucket naming rules (3-63 characters of a-z, 0-9, `.` and `-`, starting and ending
    /// with a letter or digit), which also keep the bucket safe in a host name and a path.
    public static func isValidBucketName(_ name: String) -> Bool {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789.-")
        guard (3...63).contains(name.count), name.allSatisfy({ allowed.contains($0) }) else { return false }
        return name.first != "." && name.first != "-" && name.last != "." && name.last != "-" && !name.contains("..")
    }
}

/// A base URL split into what signing needs: scheme, host, port and a path prefix.
public struct ObjectStoreEndpoint: Sendable, Equatable, CustomStringConvertible {
    public let scheme: String
    public let host: String
    public let port: Int
    /// A prefix before `/bucket/key` in URLs ("" or e.g. `/objects`), no trailing slash.
    public let pathPrefix: String

    /// Parses `http(s)://host[:port][/prefix]`; nil for anything else (a query, a user part,
    /// another scheme).
    public init?(_ text: String) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
            components.user == nil, components.query == nil, components.fragment == nil
        else { return nil }
        self.scheme = scheme
        self.host = host
        port = components.port ?? (scheme == "https" ? 443 : 80)
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        pathPrefix = path
    }

    /// `host` or `host:port` as a Host header carries it (the port only when not the default).
    public var hostHeader: String {
        let defaultPort = scheme == "https" ? 443 : 80
        let name = host.contains(":") ? "[\(host)]" : host
        return port == defaultPort ? name : "\(name):\(port)"
    }

    /// `hostHeader` with `bucket.` in front, for virtual-hosted addressing.
    func hostHeader(bucket: String?) -> String {
        guard let bucket else { return hostHeader }
        return "\(bucket).\(hostHeader)"
    }

    public var description: String { "\(scheme)://\(hostHeader)\(pathPrefix)" }
}
