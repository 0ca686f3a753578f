import Foundation

/// Keeps one recipient's messages in order across a trip through offline storage.
///
/// A message handed to storage because no connection took it (its gateway died or was
/// draining, or the recipient's CONNECTED was not applied yet) comes back later as a stored
/// copy. Newer messages must not overtake it: neither a live one that finds the
/// recipient's new connection first, nor another stored copy (persistence sends copies
/// both when it stores a message for a recipient it believes connected and when the
/// recipient connects, so copies can come back out of order). So while the recipient is
/// owed an older message (`StorageDebts`) and has a connection, a message is held here,
/// unresolved, in server-time order, and pushed as soon as nothing older is owed.
///
/// A copy may never come (it was fetched and acked through `GET /messages`, persistence
/// missed the connect): after `--order-wait-ms` without progress the held messages go
/// anyway; each copy that comes and each connection event of the recipient (a reconnect
/// is what makes persistence send them) starts that wait again. A recipient without
/// connections is not held: what is pushed then goes to storage behind the owed ones, and
/// storage lists them in server-time order.
extension DeliveryCoordinator {
    struct OrderHold {
        let id: Int
        /// Oldest first.
        var held: [(key: AckKey, sentAt: UInt64)]
        var timer: Task<Void, Never>
    }

    /// Before a message's first push, with the recipient's gateways: true when it is held.
    func holdsBehindStorage(_ key: AckKey, sentAt: UInt64, isStoredCopy: Bool, gateways: [String]) -> Bool {
        guard options.orderWait > .zero, !gateways.isEmpty else { return false }
        let olderOwed = storageDebts.owesOlder(than: sentAt, except: key.messageId, to: key.user)
        if orderHolds[key.user] != nil {
            // A live message also waits behind the held ones; a copy only behind what is owed.
            guard olderOwed || !isStoredCopy else { return false }
            let index = orderHolds[key.user]!.held.firstIndex { $0.sentAt > sentAt } ?? orderHolds[key.user]!.held.count
            orderHolds[key.user]!.held.insert((key, sentAt), at: index)
        } else {
            guard olderOwed else { return false }
            orderHoldCounter += 1
            orderHolds[key.user] = OrderHold(
                id: orderHoldCounter, held: [(key, sentAt)], timer: orderWaitTimer(for: key.user, hold: orderHoldCounter))
        }
        // Nothing reached the recipient: this was not a delivery attempt.
        pending[key]?.attempt -= 1
        heldForOrderCounter.increment()
        logger.debug("held for order", metadata: ["recipient": "\(key.user)", "id": "\(key.messageId)"])
        return true
    }

    /// `message` went to storage without reaching `user`.
    func owedFromStorage(_ messageId: String, sentAt: UInt64, of user: String) {
        storageDebts.wentToStorage(messageId, sentAt: sentAt, of: user)
    }

    /// A stored copy of `key` was pushed, or its ack came: what is no longer behind
    /// anything owed goes, oldest first, before anything newer (the caller runs in the
    /// user's chain).
    func settleStoredCopy(_ key: AckKey) async {
        switch storageDebts.settle(key.messageId, of: key.user) {
        case .notOwed:
            return
        case .stillOwing:
            restartOrderWait(of: key.user)
        case .paidOff:
            break
        }
        await releaseUnblocked(of: key.user)
    }

    /// Progress (a copy came, or a connection event that makes persistence send them):
    /// the wait for the rest starts again.
    func restartOrderWait(of user: String) {
        guard let hold = orderHolds[user] else { return }
        hold.timer.cancel()
        orderHolds[user]?.timer = orderWaitTimer(for: user, hold: hold.id)
    }

    /// Whether an ack of `user` may settle something owed (then it goes through the chain).
    func owesStoredCopies(to user: String) -> Bool {
        storageDebts.owes(user)
    }

    private func orderWaitTimer(for user: String, hold: Int) -> Task<Void, Never> {
        Task { [self, timer, wait = options.orderWait] in
            try? await timer.sleep(wait)
            if !Task.isCancelled { self.orderWaitTimedOut(user, hold: hold) }
        }
    }

    private func orderWaitTimedOut(_ user: String, hold: Int) {
        chain(for: user) { [self] in await self.giveUpWaiting(for: user, hold: hold) }
    }

    /// Pushes everything held, oldest first. The debts are forgiven only once one of them
    /// reaches the recipient: then the copies are not coming (or come too late to keep
    /// order). While the pushes fail, the recipient is away after all (its gateway died
    /// and is not yet known dead): each goes to storage behind the owed ones, in order,
    /// and the debts stay, so what comes after the reconnect waits for all of them.
    private func giveUpWaiting(for user: String, hold: Int) async {
        guard let timedOut = orderHolds[user], timedOut.id == hold else { return }
        orderHolds.removeValue(forKey: user)
        orderWaitsTimedOutCounter.increment()
        let owed = storageDebts.owed(to: user)
        logger.info(
            "stored copies did not come back in time, pushing held messages",
            metadata: [
                "recipient": "\(user)", "owed": "\(owed.count)", "held": "\(timedOut.held.count)",
                "oldest_owed": "\(owed.prefix(3))",
            ])
        for (key, _) in timedOut.held where await attempt(key, releasedFromHold: true) {
            storageDebts.forgive(user)
        }
    }

    /// Pushes held messages oldest first while the oldest is behind nothing owed. Each
    /// pass reads the hold afresh: a push can settle a debt (and release more from within)
    /// or send a message to storage again (and hold the rest once more).
    private func releaseUnblocked(of user: String) async {
        while let hold = orderHolds[user] {
            guard let (key, sentAt) = hold.held.first else {
                hold.timer.cancel()
                orderHolds.removeValue(forKey: user)
                return
            }
            if storageDebts.owesOlder(than: sentAt, except: key.messageId, to: user) { return }
            orderHolds[user]?.held.removeFirst()
            if orderHolds[user]?.held.isEmpty == true {
                hold.timer.cancel()
                orderHolds.removeValue(forKey: user)
            }
            await attempt(key, releasedFromHold: true)
        }
    }
}
