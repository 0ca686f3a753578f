import ArgumentParser
import AsyncHTTPClient
import ChatProtocol
import DocumentStore
import Foundation
import HistoryArchive
import Logging
import ObjectStore

/// The history archive: how fast the archiver moves messages from MongoDB to the object
/// store, and what reading an archived page costs against a page still in MongoDB.
///
/// It writes `--messages` old history documents (8 days back) for `--conversations`
/// conversations of one reader straight into the stack's `history` collection, times
/// pages of them through nginx, archives them with the archiver persistence runs (the
/// same code, in this process, with the stack's settings), and times the same pages again:
/// first each conversation's newest page (a chunk read from the store), then paging back
/// through it (chunks mostly from persistence's cache).
struct ArchiveLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive", abstract: "Archive rate and archived-page latency against pages in MongoDB.",
        discussion: """
            On `stack up` (release), from the repository root:
              .build/release/vartalap-load archive --s3-endpoint http://127.0.0.1:8333 \\
                --s3-access-key "$(cat .infra/stack/data/object-store-keys/access-key)" \\
                --s3-secret-key-file .infra/stack/data/object-store-keys/secret-key
            It archives everything older than 7 days in the stack's history, as persistence would.
            """)

    @Option(help: "The public URL.") var publicUrl = "http://127.0.0.1:8080/v1.0"
    @Option(help: "The stack's database.") var mongoUrl = "mongodb://127.0.0.1:27117"
    @Option(help: "The stack's database name.") var mongoDatabase = "vartalap"
    @Option(help: "Messages to write and archive.") var messages = 50_000
    @Option(help: "Conversations they are spread over (one reader, one partner each).") var conversations = 50
    @Option(help: "Messages per chunk (persistence's --archive-chunk-messages).") var chunkMessages = 1000
    @Option(help: "Messages per page read.") var pageSize = 50
    @OptionGroup(title: "The object store (persistence's flags)") var store: ObjectStoreOptions

    func validate() throws {
        try store.requireConfigured()
        guard messages >= conversations, conversations >= 1, pageSize >= 1, pageSize <= 100 else {
            throw ValidationError("need messages >= conversations >= 1 and a page size of 1-100")
        }
    }

    func run() async throws {
        let prefix = "archive-\(UUID().uuidString.prefix(6).lowercased())"
        let reader = "\(prefix)-reader"
        let partners = (0..<conversations).map { "\(prefix)-p\($0)" }
        let key = try await Login.accessKey(for: reader, publicURL: publicUrl)
        let database = try DocumentStore(uri: mongoUrl)
        let http = ObjectStoreClient.makeHTTPClient()
        do {
            try await seed(reader: reader, partners: partners, into: database)
            print("wrote \(messages) history messages in \(conversations) conversations, 8 days old")
            let inDatabase = try await pages(reader: reader, key: key, partners: partners)
            print("pages in MongoDB:   newest \(inDatabase.newest)")
            print("                    paging \(inDatabase.paging)")

            let archiver = HistoryArchiver(
                database: database, databaseName: mongoDatabase,
                store: ObjectStoreClient(configuration: try store.configuration(), httpClient: http), chunkMessages: chunkMessages,
                retention: nil, owner: "vartalap-load-\(prefix)", logger: Logger(label: "archive-load"))
            try await archiver.prepare()
            let started = ContinuousClock.now
            let summary = try await archiver.run(archivingBefore: Date().addingTimeInterval(-7 * 86_400))
            let took = ContinuousClock.now - started
            guard !summary.busy else { throw Login.Failed(description: "persistence's archiver held the lease; run again") }
            guard summary.archivedMessages >= messages else {
                throw Login.Failed(description: "archived \(summary.archivedMessages) messages, expected at least \(messages)")
            }
            print(
                "archived \(summary.archivedMessages) messages in \(summary.chunksWritten) chunks in \(took) "
                    + "(\(Rate.perSecond(summary.archivedMessages, took)) msg/s)")

            let archived = try await pages(reader: reader, key: key, partners: partners)
            print("pages from the archive: newest \(archived.newest)")
            print("                        paging \(archived.paging)")
            guard archived.ids == inDatabase.ids else {
                throw Login.Failed(description: "the archived pages differ from the pages read from MongoDB")
            }
            print(
                "every conversation read the same before and after archiving "
                    + "(\(archived.ids.values.map(\.count).reduce(0, +)) messages in \(archived.ids.count) conversations)")
        } catch {
            try? await http.shutdown()
            await database.close()
            throw error
        }
        try await http.shutdown()
        await database.close()
    }

    /// History documents as persistence writes them, 8 days old, ten per millisecond.
    private func seed(reader: String, partners: [String], into database: DocumentStore) async throws {
        let history = database.collection("history", in: mongoDatabase)
        let start = UInt64(Date().addingTimeInterval(-8 * 86_400).timeIntervalSince1970 * 1000)
        var batch: [Document] = []
        for index in 0..<messages {
            let partner = partners[index % partners.count]
            let conversation = "u:" + [reader, partner].sorted().joined(separator: "\u{1F}")
            let id = String(format: "a-%07d", index)
            let at = start + UInt64(index / 10)
            let message = ChatMessage(
                id: id, type: .message, channel: .individual, source: index % 2 == 0 ? reader : partner,
                destination: index % 2 == 0 ? partner : reader, content: Data(#"{"text":"archived message \#(index)"}"#.utf8),
                timestamp: at, meta: ["contentType": "TEXT", "chatid": reader], serverTimestamp: at, acceptSequence: at * 1000 + UInt64(index % 10))
            batch.append([
                "_id": .string(conversation + "\u{1F}" + id), "conversation": .string(conversation), "id": .string(id),
                "source": .string(message.source), "at": .int64(Int64(at)), "seq": .int64(Int64(message.acceptSequence)),
                "readers": [.string(reader), .string(partner)], "message": .string(message.protobufData().base64EncodedString()),
            ])
            if batch.count == 1000 || index == messages - 1 {
                _ = try await history.insertMany(batch, ordered: false)
                batch.removeAll(keepingCapacity: true)
            }
        }
    }

    struct PageTimes {
        let newest: LatencySummary
        let paging: LatencySummary
        let ids: [String: [String]]
    }

    /// Each conversation's newest page, then every page of each, newest first.
    private func pages(reader: String, key: String, partners: [String]) async throws -> PageTimes {
        let newest = LatencyRecorder(), paging = LatencyRecorder()
        var ids: [String: [String]] = [:]
        for partner in partners {
            _ = try await page(partner, cursor: nil, reader: reader, key: key, into: newest)
        }
        for partner in partners {
            var cursor: String?
            var listed: [String] = []
            repeat {
                let (pageIds, next) = try await page(partner, cursor: cursor, reader: reader, key: key, into: paging)
                listed += pageIds
                cursor = next
            } while cursor != nil
            ids[partner] = listed
        }
        return PageTimes(newest: newest.summary, paging: paging.summary, ids: ids)
    }

    private func page(
        _ partner: String, cursor: String?, reader: String, key: String, into recorder: LatencyRecorder
    ) async throws -> ([String], String?) {
        var request = HTTPClientRequest(
            url: "\(publicUrl)/conversations/\(partner)/messages?limit=\(pageSize)" + (cursor.map { "&before=\($0)" } ?? ""))
        request.headers.add(name: "user", value: reader)
        request.headers.add(name: "accesskey", value: key)
        let started = ContinuousClock.now
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        let elapsed = ContinuousClock.now - started
        guard response.status.code == 200,
            let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        else {
            throw Login.Failed(description: "GET messages with \(partner): \(response.status.code) \(String(buffer: body))")
        }
        recorder.record(microseconds: UInt64(elapsed.components.seconds) * 1_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000))
        let listed = (object["messages"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        return (listed, object["next"] as? String)
    }
}
