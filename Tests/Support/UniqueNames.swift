import Foundation

extension TestStack {
    /// A name no other test, and no earlier run against the same stack, uses: for users,
    /// topics, consumer groups, databases and collections alike.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}
