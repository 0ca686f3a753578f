/// A search as a user types it: every word must be in a message, the last one possibly as
/// the start of a word (search as you type).
public struct SearchQuery: Sendable, Equatable {
    public static let maxCharacters = 200
    public static let maxWords = 8

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Words that must be whole words of a message.
    public let words: [String]
    /// A word of the message must start with it.
    public let prefix: String

    public init(_ text: String) throws(Invalid) {
        guard text.count <= Self.maxCharacters else { throw Invalid(description: "q is longer than \(Self.maxCharacters) characters") }
        let all = SearchTerms.words(of: text)
        guard let last = all.last else { throw Invalid(description: "q needs at least one word") }
        guard all.count <= Self.maxWords else { throw Invalid(description: "q has more than \(Self.maxWords) words") }
        words = Array(all.dropLast())
        prefix = last
    }

    /// The word to look up in the index: the longest whole word (likely the rarest). Nil
    /// for a query of one word: then its prefix is looked up as a range of words.
    public var leadingWord: String? {
        words.max { $0.count < $1.count }
    }

    /// Whether a message with these words (`SearchTerms.words`) matches.
    public func matches(_ terms: [String]) -> Bool {
        let set = Set(terms)
        return words.allSatisfy(set.contains) && (set.contains(prefix) || terms.contains { $0.hasPrefix(prefix) })
    }
}
