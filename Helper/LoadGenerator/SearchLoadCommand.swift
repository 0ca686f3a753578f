import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore

/// Search under a real history: users exchange messages of made-up words through the
/// stack (as fast as `--rate`), the history writer indexes them, then searches of several
/// shapes run one at a time through nginx and their latency is reported.
struct SearchLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Seeds a searchable history through the stack, then measures GET /search latency by query shape.")

    @Option(help: "The public URL (logins and searches go here).") var publicUrl = "http://127.0.0.1:8080/v1.0"
    @Option(help: "WebSocket URL; default: the public URL's /wss (through nginx).") var websocketUrl: String?
    @Option(help: "Users, each with one connection; each writes to the next.") var users = 100
    @Option(help: "Messages to seed (0: none).") var messages = 100_000
    @Option(help: "Messages per second while seeding.") var rate = 1000
    @Option(help: "Words per message.") var wordsPerMessage = 8
    @Option(help: "Distinct words the messages are made of.") var vocabulary = 5000
    @Option(help: "Searches to time, one at a time.") var queries = 500
    @Option(help: "Results per search (limit).") var limit = 20
    @Option(help: "Seconds to wait for the seeded messages to be indexed.") var indexWait = 1800
    @Option(help: "The users' names start with this (default: a new prefix); with --messages 0, searches an earlier run's history.")
    var namePrefix: String?
    @Flag(help: "Write the seed straight into the database in persistence's layout (one-to-one messages), instead of sending it through the stack.")
    var seedIntoDatabase = false
    @Option(help: "With --seed-into-database: how many others each user writes to.") var partners = 20
    @Option(help: "With --seed-into-database: the database.") var mongoUrl = "mongodb://127.0.0.1:27117"
    @Option(help: "With --seed-into-database: the database name persistence uses.") var mongoDatabase = "vartalap"

    func run() async throws {
        let prefix = namePrefix ?? "search-load-\(UUID().uuidString.prefix(6).lowercased())"
        print("users \(prefix)-0 to \(prefix)-\(users - 1)")
        let names = (0..<users).map { "\(prefix)-\($0)" }
        print("logging in \(users) users")
        let keys = try await Login.accessKeys(for: names, publicURL: publicUrl)
        var words = SearchVocabulary(size: vocabulary)
        let marker = "mark" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        if messages > 0, seedIntoDatabase {
            let seed = SearchSeed(users: names, partners: min(partners, users - 1), wordsPerMessage: wordsPerMessage)
            let seconds = try await seed.run(
                messages: messages, words: &words, marker: marker, mongoURL: mongoUrl, database: mongoDatabase)
            print(String(format: "wrote %d messages into the database in %.0f s: %.0f msg/s", messages, seconds, Double(messages) / seconds))
            let reader = seed.pair(of: messages - 1).recipient
            try await waitUntilSearchable(marker, by: reader, key: keys[reader]!)
        } else if messages > 0 {
            let seconds = try await seed(names: names, keys: keys, words: &words, marker: marker)
            print(String(format: "seeded %d messages in %.0f s: %.0f msg/s sent, delivered and indexed", messages, seconds, Double(messages) / seconds))
        }
        try await timeQueries(names: names, keys: keys, words: &words)
    }

    /// Sends `messages` through the stack and waits until the last one is searchable.
    private func seed(names: [String], keys: [String: String], words: inout SearchVocabulary, marker: String) async throws -> Double {
        let socketURL = websocketUrl ?? publicUrl.replacingOccurrences(of: "http", with: "ws", options: .anchored) + "/wss/?format=text&ack=true"
        let tally = RunTally()
        let sockets = names.map { VirtualUser(name: $0, tally: tally, measuring: { true }) }
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { connections in
            for socket in sockets { try await socket.open(url: socketURL, key: keys[socket.name]!, in: &connections) }
            var issued = 0
            let sendStart = ContinuousClock.now
            while issued < messages {
                let due = min(messages, Int(Double(rate) * (ContinuousClock.now - sendStart).seconds))
                while issued < due {
                    let sender = issued % sockets.count
                    let text = words.text(words: wordsPerMessage) + (issued == messages - 1 ? " \(marker)" : "")
                    sockets[sender].send(to: names[(sender + 1) % names.count], id: "s\(issued)", text: text)
                    issued += 1
                }
                if issued % 10_000 < Int(Double(rate) / 1000) + 1 { print("sent \(issued)") }
                try await Task.sleep(for: .milliseconds(1))
            }
            let deadline = ContinuousClock.now + .seconds(120)
            while tally.counts.delivered < messages, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
            sockets.forEach { $0.close() }
            connections.cancelAll()
        }
        let counts = tally.counts
        print("sent \(counts.sent)  server-acked \(counts.serverAcked)  delivered \(counts.delivered)  lost \(counts.lost)")
        // The last message's recipient finds it once the history writer got there.
        let reader = names[(messages - 1 + 1) % names.count]
        try await waitUntilSearchable(marker, by: reader, key: keys[reader]!)
        return (ContinuousClock.now - started).seconds
    }

    private func waitUntilSearchable(_ marker: String, by reader: String, key: String) async throws {
        let deadline = ContinuousClock.now + .seconds(indexWait)
        while ContinuousClock.now < deadline {
            if try await search(marker, as: reader, key: key).results > 0 { return }
            try await Task.sleep(for: .seconds(1))
        }
        throw Login.Failed(description: "the last seeded message was not searchable within \(indexWait) s")
    }

    /// Searches of several shapes, one at a time, by random users.
    private func timeQueries(names: [String], keys: [String: String], words: inout SearchVocabulary) async throws {
        let vocabularyWords = words.words
        let shapes: [(name: String, make: (inout SearchVocabulary) -> String)] = [
            ("one common word", { v in vocabularyWords[v.number(below: 10)] }),
            ("one rare word", { v in vocabularyWords[vocabularyWords.count / 2 + v.number(below: vocabularyWords.count / 2)] }),
            ("two words", { v in "\(vocabularyWords[v.number(below: 50)]) \(vocabularyWords[50 + v.number(below: 500)])" }),
            ("prefix of 2", { v in String(vocabularyWords[v.number(below: vocabularyWords.count)].prefix(2)) }),
            ("word and prefix of 4", { v in "\(vocabularyWords[v.number(below: 50)]) \(vocabularyWords[v.number(below: 1000)].prefix(4))" }),
            ("no match", { _ in "nothingmatchesthis" }),
        ]
        print("timing \(queries) searches (limit \(limit)) over \(users) users' history")
        var all = [UInt64](), byShape = [String: [UInt64]](), results = [String: Int]()
        for index in 0..<queries {
            let shape = shapes[index % shapes.count]
            let query = shape.make(&words)
            let user = names[words.number(below: names.count)]
            let start = ContinuousClock.now
            let (status, found) = try await search(query, as: user, key: keys[user]!)
            let micros = UInt64((ContinuousClock.now - start).seconds * 1_000_000)
            guard status == 200 else { throw Login.Failed(description: "search \(query): \(status)") }
            all.append(micros)
            byShape[shape.name, default: []].append(micros)
            results[shape.name, default: 0] += found
        }
        print("all searches: \(LatencySummary(all))")
        for shape in shapes {
            let samples = byShape[shape.name] ?? []
            print("  \(shape.name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(LatencySummary(samples)), mean results \(String(format: "%.1f", Double(results[shape.name] ?? 0) / Double(max(1, samples.count))))")
        }
    }

    private func search(_ query: String, as user: String, key: String) async throws -> (status: Int, results: Int) {
        let escaped = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        var request = HTTPClientRequest(url: publicUrl + "/search?q=\(escaped)&limit=\(limit)")
        request.headers.add(name: "user", value: user)
        request.headers.add(name: "accesskey", value: key)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any]
        return (Int(response.status.code), (object?["results"] as? [Any])?.count ?? 0)
    }
}
