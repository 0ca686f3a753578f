import ArgumentParser

/// Only the database floor, for comparing databases (SecantusDB here, MongoDB in compose).
struct DatabaseFloorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "database-floor",
        abstract: "The database's rate at the offline path's queries (store, read back, delete) and at the history's inserts.")

    @Option(help: "The database.") var mongoUrl = "mongodb://127.0.0.1:27117"
    @Option(help: "The database name (a scratch collection, dropped afterwards).") var mongoDatabase = "vartalap"
    @Option(help: "Recipients the documents are spread over.") var recipients = 20
    @Option(help: "Documents in all.") var documents = 10_000

    func run() async throws {
        let floor = try await DatabaseFloor.measure(
            mongoURL: mongoUrl, database: mongoDatabase, recipients: recipients, documents: documents)
        print("database floor: \(floor)")
        if let history = try await HistoryInsertFloor.measure(mongoURL: mongoUrl, database: mongoDatabase, documents: documents) {
            print("history insert floor: \(history)")
        } else {
            print("history insert floor: no history collection in \(mongoDatabase) (persistence has not run with the history on)")
        }
    }
}
