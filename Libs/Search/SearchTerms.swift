import Foundation

/// How text becomes search terms: Unicode compatibility-decomposed, accents and other
/// combining marks dropped, case-folded, split into words of letters and digits. "Café" and
/// "CAFE" are both `cafe`; "naïve-ish" is `naive` and `ish`.
public enum SearchTerms {
    /// Longer words are cut: nobody types them, and they would bloat the index.
    public static let maxWordLength = 40
    /// A message's words beyond these are not indexed.
    public static let maxWordsPerMessage = 100
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

    private static func isCombiningMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }
}
