import ArgumentParser
import Groups
import ServiceKit

/// group-ms's own flags.
struct GroupOptions: ParsableArguments, Sendable {
    @Option(help: "Most members a group may have, its creator included (env MAX_GROUP_MEMBERS).")
    var maxGroupMembers: Int = EnvironmentDefault.int("MAX_GROUP_MEMBERS", 256)

    var limits: GroupLimits { GroupLimits(maxMembers: maxGroupMembers) }

    mutating func validate() throws {
        guard maxGroupMembers >= 2 else { throw ValidationError("--max-group-members must be at least 2") }
    }
}
