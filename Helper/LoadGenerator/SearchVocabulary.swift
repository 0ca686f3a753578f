import Foundation

/// Message text for search runs: words of a made-up vocabulary drawn with a Zipf-like skew
/// (a few words in most messages, most words rare), from a fixed seed so runs compare.
struct SearchVocabulary {
    let words: [String]
    private var state: UInt64

    init(size: Int, seed: UInt64 = 0x5EA2C4) {
        var generator = seed
        let syllables = ["ka", "lo", "mi", "ne", "tu", "ra", "se", "po", "vi", "da", "zo", "fe", "gu", "hi", "ja", "ru"]
        var made: [String] = []
        var seen: Set<String> = []
        while made.count < size {
            let count = 2 + Int(Self.next(&generator) % 3)
            var word = ""
            for _ in 0..<count { word += syllables[Int(Self.next(&generator) % UInt64(syllables.count))] }
            if seen.insert(word).inserted { made.append(word) }
        }
        words = made
        state = generator
    }

    /// A word by rank, the first ones far more often (rank ~ size^u, u uniform).
    mutating func word() -> String {
        let u = Double(Self.next(&state) % 1_000_000) / 1_000_000
        let rank = Int(pow(Double(words.count), u)) - 1
        return words[min(words.count - 1, max(0, rank))]
    }

    mutating func text(words count: Int) -> String {
        (0..<count).map { _ in word() }.joined(separator: " ")
    }

    mutating func number(below bound: Int) -> Int {
        Int(Self.next(&state) % UInt64(bound))
    }

    /// SplitMix64.
    private static func next(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
