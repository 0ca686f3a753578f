/// One database write of a batch. Consecutive stores become one insert and consecutive acks
/// one delete, while stores and acks stay in record order, so an ack that follows its
/// message in the partition always finds it stored.
enum WriteStep: Equatable {
    case insert([StoredMessage])
    case delete([Acknowledgement])

    static func plan(_ events: [OfflineEvent]) -> [WriteStep] {
        var steps: [WriteStep] = []
        var inserts: [StoredMessage] = []
        var deletes: [Acknowledgement] = []
        for event in events {
            switch event {
            case .store(let message):
                if !deletes.isEmpty { steps.append(.delete(deletes)) }
                deletes = []
                inserts.append(message)
            case .acknowledge(let acknowledgement):
                if !inserts.isEmpty { steps.append(.insert(inserts)) }
                inserts = []
                deletes.append(acknowledgement)
            case .ignoreEphemeral, .invalid:
                continue
            }
        }
        if !inserts.isEmpty { steps.append(.insert(inserts)) }
        if !deletes.isEmpty { steps.append(.delete(deletes)) }
        return steps
    }
}
