import Search

extension SortablePosition {
    static func of(_ entry: HistoryEntry) -> String {
        let message = entry.message
        return text(at: Int64(clamping: message.serverTimestamp), seq: Int64(clamping: message.acceptSequence), id: entry.documentId)
    }
}
