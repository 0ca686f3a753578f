/// How large a group and one change to it may be (PROTOCOL.md: up to 100 members at
/// creation, 50 per addition); the total is an operator's choice.
public struct GroupLimits: Sendable {
    public var maxMembers: Int
    public var maxMembersAtCreation: Int
    public var maxMembersPerAddition: Int
    public var maxNameLength: Int

    public init(maxMembers: Int, maxMembersAtCreation: Int = 100, maxMembersPerAddition: Int = 50, maxNameLength: Int = 100) {
        self.maxMembers = maxMembers
        self.maxMembersAtCreation = maxMembersAtCreation
        self.maxMembersPerAddition = maxMembersPerAddition
        self.maxNameLength = maxNameLength
    }
}
