import Search
import XCTest

/// Normalising words for search: case, accents, compatibility forms, word boundaries,
/// prefixes, and what a query may be.
final class SearchTermsTests: XCTestCase {
    func testWordsAreFoldedAndSplit() {
        XCTAssertEqual(SearchTerms.words(of: "Café au LAIT, s'il vous plaît!"), ["cafe", "au", "lait", "s", "il", "vous", "plait"])
        XCTAssertEqual(SearchTerms.words(of: "naïve-ish ＡＢＣ 42x ﬁne"), ["naive", "ish", "abc", "42x", "fine"])
        XCTAssertEqual(SearchTerms.words(of: "Ünïcödé ÜNICODE"), ["unicode"], "one word once")
        XCTAssertEqual(SearchTerms.words(of: "Привет, МИР"), ["привет", "мир"])
        XCTAssertEqual(SearchTerms.words(of: "  ...  "), [])
        XCTAssertEqual(SearchTerms.words(of: String(repeating: "a", count: 100)).first?.count, SearchTerms.maxWordLength)
        let many = (0..<500).map { "w\($0)" }.joined(separator: " ")
        XCTAssertEqual(SearchTerms.words(of: many).count, SearchTerms.maxWordsPerMessage)
    }

    func testAQueryMatchesEveryWordAndTheLastAsAPrefix() throws {
        let index = SearchTerms.words(of: "Meet me at the Café tomorrow")
        XCTAssertTrue(try SearchQuery("cafe").matches(index))
        XCTAssertTrue(try SearchQuery("CAFÉ tom").matches(index), "the last word is a prefix")
        XCTAssertTrue(try SearchQuery("tomorrow meet").matches(index), "in any order")
        XCTAssertTrue(try SearchQuery("t").matches(index))
        XCTAssertFalse(try SearchQuery("tom cafe").matches(index), "only the last word is a prefix")
        XCTAssertFalse(try SearchQuery("cafe tonight").matches(index))
        XCTAssertFalse(try SearchQuery("tomorrows").matches(index))
        let query = try SearchQuery("the cafe tomorr")
        XCTAssertEqual(query.words, ["the", "cafe"])
        XCTAssertEqual(query.prefix, "tomorr")
        XCTAssertEqual(query.leadingWord, "cafe", "the longest whole word")
        XCTAssertNil(try SearchQuery("caf").leadingWord, "a prefix alone is looked up as a range")
        XCTAssertTrue(try SearchQuery("cafe to").matches(index), "a short prefix still has to match")
        XCTAssertFalse(try SearchQuery("cafe tx").matches(index))
    }

    func testBadQueriesAreRefused() {
        for bad in ["", "   ", "?!", String(repeating: "a", count: 201), "one two three four five six seven eight nine"] {
            XCTAssertThrowsError(try SearchQuery(bad), bad)
        }
        XCTAssertNoThrow(try SearchQuery("one two three four five six seven eight"))
    }
}
