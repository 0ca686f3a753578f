/// Request bodies of the group routes.
struct CreateGroupBody: Decodable {
    var name: String
    var members: [String]
    var profilePic: String?
}

struct AddMembersBody: Decodable {
    var members: [String]
}

struct RemoveMemberBody: Decodable {
    var member: String
}

struct RenameGroupBody: Decodable {
    var name: String?
    var profilePic: String?
}

/// A group change that arrived as a message (the V2 flow of offline-capable clients),
/// handed over by group-router on the internal route.
struct GroupActionBody: Decodable {
    enum Action: String, Decodable {
        case create, add, remove, leave, update
    }

    var actor: String
    var groupId: String
    var action: Action
    var name: String?
    var members: [String]?
    var member: String?
    var profilePic: String?
}
