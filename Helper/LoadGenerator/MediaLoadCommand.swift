import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import ObjectStore

/// Attachments through the public address (Docs/PROTOCOL.md, "Attachments"): how many
/// presigned upload URLs media-ms hands out per second behind nginx, and how fast a large
/// file goes up and down through nginx compared with the object store reached directly.
struct MediaLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media",
        abstract: "Measures presigned upload URLs per second through nginx, and large uploads and downloads through nginx against the object store reached directly.",
        discussion: """
            Part 1 (presigns): --users logged-in users, --concurrency requests in flight, call \
            GET /assets/upload/presigned_url?ext=jpg&category=chat for --duration seconds (or \
            --count presigns) after a --warmup. Each presign leaves an upload pending, and \
            media-ms refuses a user's 201st pending upload with 429 (--max-pending-uploads), so \
            no user is asked for more than --presigns-per-user: the run stops early, and says so, \
            when every user has used that budget (give more --users). A 429 or any other \
            failure is counted by status, never as throughput. Afterwards every upload the run \
            presigned is reported failed ({"status": false}), so none stays pending \
            (--no-release keeps them; the sweeper deletes them after --unconfirmed-upload-ttl).

            Part 2 (transfers): --repetitions times, a --file-bytes file (random bytes) goes \
            through the public address as an app sends it (presign with &size=, PUT to the \
            presigned URL with Content-Type image/jpeg, confirm with {"status": true}, presign \
            the download, GET and compare the bytes), and the same bytes are PUT and GET straight \
            to the object store's own S3 port with presigned URLs made by ObjectStoreClient for \
            that endpoint: the same kind of request, so the ratio is what the route through nginx \
            costs. Only the PUT and the GET are timed. The two paths alternate, after one untimed \
            round of each. The direct part needs the store's --s3-* flags (without \
            --s3-endpoint it is skipped); the public uploads stay in the store (confirmed files), \
            the direct objects (under vartalap-load/) are deleted.

            On `Deployment/local/stack up`, from the repository's root (the stack's object store \
            listens on 127.0.0.1:8333, OBJECT_STORE_PORT, and its keys are in \
            .infra/stack/data/object-store-keys; under VARTALAP_INFRA_DIR=DIR they are in \
            DIR/stack/data/object-store-keys and the run directory is DIR/stack/run):

              .build/release/vartalap-load media --s3-endpoint http://127.0.0.1:8333 \\
                --s3-access-key "$(cat .infra/stack/data/object-store-keys/access-key)" \\
                --s3-secret-key-file .infra/stack/data/object-store-keys/secret-key
            """)

    @Option(help: "The public URL (logins and media-ms's routes go here).") var publicUrl = "http://127.0.0.1:8080/v1.0"

    @Option(help: "Presigns: logged-in users taking turns.") var users = 300
    @Option(help: "Presigns: requests in flight at once (and HTTP connections).") var concurrency = 32
    @Option(help: "Presigns: measured seconds (after the warm-up).") var duration = 15
    @Option(help: "Presigns: seconds of requests before measuring starts.") var warmup = 2
    @Option(help: "Presigns: measure this many presigns instead of --duration seconds; 0: use --duration.") var count = 0
    @Option(help: "Presigns: most asked of one user, warm-up included; keep it below media-ms's --max-pending-uploads (200).")
    var presignsPerUser = 190
    @Flag(inversion: .prefixedNo, help: "Presigns: afterwards report every presigned upload failed, so none stays pending.")
    var release = true
    @Option(help: "The stack's run directory (pid files): its processes' CPU over the presigns is read from /proc; empty: no CPU report.")
    var stackRunDir = ".infra/stack/run"

    @Option(help: "Transfers: bytes of each file (media-ms accepts at most 25 MiB).") var fileBytes = 5 * 1024 * 1024
    @Option(help: "Transfers: timed rounds of each path.") var repetitions = 10

    @Flag(help: "Only the transfers.") var skipPresigns = false
    @Flag(help: "Only the presigns.") var skipTransfers = false

    @OptionGroup(title: "The object store, reached directly for the transfers (media-ms's flags)") var store: ObjectStoreOptions

    func validate() throws {
        guard users >= 1, concurrency >= 1, duration >= 1, warmup >= 0, count >= 0, presignsPerUser >= 1 else {
            throw ValidationError("users, concurrency, duration and presigns-per-user must be at least 1; warmup and count at least 0")
        }
        guard fileBytes >= 1, repetitions >= 1 else { throw ValidationError("file-bytes and repetitions must be at least 1") }
    }

    func run() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, concurrency))
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            if !skipPresigns { try await presigns(http) }
            if !skipTransfers { try await transfers(http) }
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    private func presigns(_ http: HTTPClient) async throws {
        let prefix = "media-\(UUID().uuidString.prefix(6).lowercased())"
        let names = (0..<users).map { "\(prefix)-\($0)" }
        print("logging in \(users) users")
        let keys = try await Login.accessKeys(for: names, publicURL: publicUrl)
        let cpu = stackRunDir.isEmpty ? nil : StackCPU(runDirectory: stackRunDir)
        if let cpu, cpu.processes().isEmpty { print("no pid files in \(stackRunDir): no CPU report") }
        let load = PresignLoad(
            http: http, publicURL: publicUrl, users: names.map { MediaUser(name: $0, key: keys[$0]!) }, concurrency: concurrency,
            duration: duration, warmup: warmup, count: count, presignsPerUser: presignsPerUser)
        let what = count > 0 ? "\(count) presigns" : "\(duration) s"
        print("presigning: \(users) users, \(concurrency) in flight, \(what) measured after \(warmup) s warm-up, at most \(presignsPerUser) per user")
        let report = try await load.run(cpu: cpu?.processes().isEmpty == false ? cpu : nil)
        print(report)
        if release {
            print("reporting \(report.fileIds.count) presigned uploads failed ({\"status\": false})")
            print(await load.release(report.fileIds))
        }
    }

    private func transfers(_ http: HTTPClient) async throws {
        let user = MediaUser(name: "media-\(UUID().uuidString.prefix(6).lowercased())-files", key: "")
        let key = try await Login.accessKey(for: user.name, publicURL: publicUrl)
        var direct: ObjectStoreClient?
        if store.isConfigured {
            var configuration = try store.configuration()
            configuration.publicURL = nil
            direct = ObjectStoreClient(configuration: configuration, httpClient: http)
        } else {
            print("no --s3-endpoint: only the public path is measured (see --help for the local stack's flags)")
        }
        let transfer = FileTransfers(
            http: http, publicURL: publicUrl, user: MediaUser(name: user.name, key: key), direct: direct, bytes: fileBytes)
        print("transfers: \(repetitions) x \(fileBytes) bytes each way, through \(publicUrl)\(direct.map { " and straight to \($0.configuration.endpoint)" } ?? ""), after one untimed round")
        print(try await transfer.run(repetitions: repetitions))
    }
}

/// A logged-in user: the credentials every media route needs.
struct MediaUser: Sendable {
    let name: String
    let key: String

    func authorize(_ request: inout HTTPClientRequest) {
        request.headers.add(name: "user", value: name)
        request.headers.add(name: "accesskey", value: key)
    }
}

/// media-ms's answers, read without a JSON parser's cost where only one string is wanted.
enum MediaAnswer {
    /// The string value of `"name": "..."` in a small JSON object (no escapes in the values
    /// media-ms sends: hex ids and URLs).
    static func string(_ name: String, in body: ByteBuffer) -> String? {
        let text = String(buffer: body)
        guard let keyRange = text.range(of: "\"\(name)\"") else { return nil }
        var rest = text[keyRange.upperBound...].drop { $0 == " " }
        guard rest.first == ":" else { return nil }
        rest = rest.dropFirst().drop { $0 == " " }
        guard rest.first == "\"" else { return nil }
        rest = rest.dropFirst()
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end]).replacingOccurrences(of: "\\/", with: "/")
    }
}

/// CPU seconds this process used so far (user and system), for the load generator's own
/// share of a machine it shares with the stack.
enum OwnCPU {
    static func seconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }
}
