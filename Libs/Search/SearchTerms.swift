import Foundation

/// How text becomes search terms: Unicode compatibility-decomposed, accents and other
/// combining marks dropped, case-folded, split into words of letters and digits. "Café" and
/// "CAFE" are both `cafe`; "naïve-ish" is `naive` and `ish`.
public enum SearchTerms {
    /// Longer words are cut: nobody types them, and they would bloat the index.
    public static let maxWordLength = 40
    /// A message's words beyond these are not indexed.
    public static let maxWordsPerMessage = 100
    /// Each word's prefix of this length is indexed as a term of its own (`prefixMarker` +
    /// the prefix), so the last word of a query, read as a prefix, is an index lookup once it
    /// is this long. Shorter prefixes are not indexed: they would nearly double the index
    /// (and its writes) for searches that match almost everything anyway.
    public static let indexedPrefixLength = 3
    /// Starts a prefix term; never part of a word.
    public static let prefixMarker = "~"

    /// The distinct words of `text`, in their first order.
    public static func words(of text: String) -> [String] {
        let folded = text.decomposedStringWithCompatibilityMapping.unicodeScalars
            .filter { !isCombiningMark($0) }
        var words: [String] = [], seen: Set<String> = [], current = String.UnicodeScalarView()
        func finish() {
            guard !current.isEmpty else { return }
            let word = String(String(current).lowercased().prefix(maxWordLength))
            current.removeAll()
            if seen.insert(word).inserted { words.append(word) }
        }
        for scalar in folded {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                current.append(scalar)
            } else {
                finish()
            }
            if words.count >= maxWordsPerMessage { break }
        }
        if words.count < maxWordsPerMessage { finish() }
        return words
    }

    /// What a message with `text` is indexed under: its words and their `indexedPrefixLength` prefixes.
    public static func indexTerms(of text: String) -> [String] {
        let words = words(of: text)
        var terms = words, seen = Set(words)
        for word in words where word.count >= indexedPrefixLength {
            let term = prefixTerm(String(word.prefix(indexedPrefixLength)))
            if seen.insert(term).inserted { terms.append(term) }
        }
        return terms
    }

    static func prefixTerm(_ prefix: String) -> String {
        prefixMarker + prefix
    }

    private static func isCombiningMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }
}
