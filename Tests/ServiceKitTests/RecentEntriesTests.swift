import ServiceKit
import Testing

@Suite struct RecentEntriesTests {
    @Test func anEntryReadsAsPresentOnlyWithinItsTime() {
        var entries = RecentEntries<String, Int>(keptFor: .seconds(60), pruneThreshold: 10)
        let start = ContinuousClock.now
        entries.set(1, for: "a", at: start)
        #expect(entries.value(for: "a", at: start + .seconds(59)) == 1)
        #expect(entries.value(for: "a", at: start + .seconds(60)) == nil)
        #expect(entries.value(for: "b", at: start) == nil)
        entries.removeValue(for: "a")
        #expect(entries.value(for: "a", at: start) == nil)
    }

    @Test func expiredEntriesArePrunedOncePastTheThresholdAndRecentOnesKept() {
        var entries = RecentEntries<Int, Void>(keptFor: .seconds(60), pruneThreshold: 100)
        let start = ContinuousClock.now
        for key in 0..<100 { entries.set((), for: key, at: start) }
        #expect(entries.storedCount == 100)
        let later = start + .seconds(61)
        entries.set((), for: 1_000, at: later)
        #expect(entries.storedCount == 1, "the expired 100 should have gone")
        #expect(entries.count(within: .seconds(1), at: later) == 1)
    }

    @Test func whenMostEntriesAreRecentThePruningWaitsUntilTheMapDoubled() {
        var entries = RecentEntries<Int, Void>(keptFor: .seconds(60), pruneThreshold: 10)
        let start = ContinuousClock.now
        for key in 0..<11 { entries.set((), for: key, at: start) }  // prunes, keeps all 11
        let later = start + .seconds(61)
        for key in 100..<111 { entries.set((), for: key, at: later) }  // 22: not yet past 22
        #expect(entries.storedCount == 22)
        entries.set((), for: 999, at: later)  // 23 > 22: the 11 expired go
        #expect(entries.storedCount == 12)
    }
}
