import DocumentStore
import TestSupport

extension TestStack {
    /// The database the stack's services use (their default --mongo-database), where the
    /// tests look at what profile-ms stored.
    static let database = "vartalap"
}

/// Runs `body` with a connection to the test stack's database, closed afterwards.
func withTestStore<T: Sendable>(_ body: (DocumentStore) async throws -> T) async throws -> T {
    let store = try DocumentStore(uri: try TestStack.mongoURL())
    do {
        let result = try await body(store)
        await store.close()
        return result
    } catch {
        await store.close()
        throw error
    }
}
