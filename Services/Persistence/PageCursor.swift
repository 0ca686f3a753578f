/// A position in a recipient's stored messages: the sort key of the last message listed.
///
/// Clients get it as `next` and send it back as `after`; its text form
/// `<serverTimestamp>.<sequence>.<objectId>` needs no escaping in a URL.
struct PageCursor: Sendable, Equatable, LosslessStringConvertible {
    let serverTimestamp: Int64
    let sequence: Int64
    /// The stored document's `_id`, which makes the position unique when two messages share
    /// the timestamp and sequence.
    let objectID: String

    init(serverTimestamp: Int64, sequence: Int64, objectID: String) {
        self.serverTimestamp = serverTimestamp
        self.sequence = sequence
        self.objectID = objectID
    }

    init?(_ description: String) {
        let parts = description.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let serverTimestamp = Int64(parts[0]), let sequence = Int64(parts[1]),
            parts[2].count == 24, parts[2].allSatisfy(\.isHexDigit)
        else { return nil }
        self.init(serverTimestamp: serverTimestamp, sequence: sequence, objectID: String(parts[2]).lowercased())
    }

    var description: String { "\(serverTimestamp).\(sequence).\(objectID)" }
}
