import ArgumentParser
import ServiceKit

/// group-router's own flags.
struct GroupRouterOptions: ParsableArguments, Sendable {
    @Option(help: "group-ms's service port, where group changes sent as messages are applied (env GROUP_MS_URL).")
    var groupMsUrl: String = EnvironmentDefault.string("GROUP_MS_URL", "http://127.0.0.1:8108")

    @Option(help: "Seconds a group's member list is cached; changes invalidate it at once anyway (env MEMBER_CACHE_SECONDS).")
    var memberCacheSeconds: Int = EnvironmentDefault.int("MEMBER_CACHE_SECONDS", 60)

    mutating func validate() throws {
        guard memberCacheSeconds >= 0 else { throw ValidationError("--member-cache-seconds must not be negative") }
        guard groupMsUrl.hasPrefix("http://") || groupMsUrl.hasPrefix("https://") else {
            throw ValidationError("--group-ms-url must be an http(s) URL")
        }
    }
}
