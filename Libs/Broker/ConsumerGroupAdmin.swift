import CRdKafka
import Foundation
import Logging

/// Admin requests about consumer groups and their records, over one long-lived client
/// handle. Every method blocks until the broker answers: call them off the event loops
/// and the cooperative pool (the purger runs them on a thread of its own).
public final class ConsumerGroupAdmin: Sendable {
    private let handle: KafkaHandle
    /// librdkafka calls back into it (logs, errors) for as long as the handle lives.
    private let context: KafkaClientContext
    private let timeoutMilliseconds: Int32

    public init(configuration: BrokerConfiguration, logger: Logger, timeout: Duration = .seconds(10)) throws {
        let client = try makeAdminClient(configuration, logger)
        handle = KafkaHandle(client.handle)
        context = client.context
        timeoutMilliseconds = timeout.timeoutMilliseconds
    }

    public func close() { handle.destroy() }

    /// Every group the broker knows, with its state, committed offsets and assignments.
    public func groups() throws -> [ConsumerGroupView] {
        let listed = try listGroups()
        guard !listed.isEmpty else { return [] }
        let assignments = try describe(listed.map(\.id))
        return try listed.map { group in
            let state = assignments[group.id]?.state ?? group.state
            // A dead group has no offsets left to ask for.
            return ConsumerGroupView(
                id: group.id, state: state,
                committed: state == .dead ? [:] : try committedOffsets(of: group.id),
                assigned: assignments[group.id]?.partitions ?? [])
        }
    }

    /// Deletes each partition's records below the given offset; answers the partitions'
    /// new first offsets. A partition the broker refused is left out and reported in
    /// `failures`.
    public func deleteRecords(below offsets: [TopicPartition: Int64]) throws -> (firstOffsets: [TopicPartition: Int64], failures: [TopicPartition: String]) {
        guard !offsets.isEmpty else { return ([:], [:]) }
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (partition, offset) in offsets {
            rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)?.pointee.offset = offset
        }
        var request = rd_kafka_DeleteRecords_new(list)
        defer { rd_kafka_DeleteRecords_destroy(request) }
        return try adminRequest(RD_KAFKA_ADMIN_OP_DELETERECORDS, "delete records") { rk, options, queue in
            rd_kafka_DeleteRecords(rk, &request, 1, options, queue)
        } read: { event in
            guard let result = rd_kafka_event_DeleteRecords_result(event),
                  let answered = rd_kafka_DeleteRecords_result_offsets(result) else {
                throw BrokerError(.admin, "delete records: no result")
            }
            var firstOffsets: [TopicPartition: Int64] = [:]
            var failures: [TopicPartition: String] = [:]
            for entry in Self.partitions(of: answered) {
                if entry.error == RD_KAFKA_RESP_ERR_NO_ERROR {
                    firstOffsets[entry.partition] = entry.offset
                } else {
                    failures[entry.partition] = errorText(entry.error)
                }
            }
            return (firstOffsets, failures)
        }
    }

    /// A partition's first and next offsets (low and high watermarks), as the broker says.
    public func watermarks(of partition: TopicPartition) throws -> (first: Int64, next: Int64) {
        var low: Int64 = -1
        var high: Int64 = -1
        let code = rd_kafka_query_watermark_offsets(handle.pointer, partition.topic, partition.partition, &low, &high, timeoutMilliseconds)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw BrokerError(.admin, "watermarks of \(partition): \(errorText(code))", code: code.rawValue)
        }
        return (low, high)
    }

    private func listGroups() throws -> [(id: String, state: ConsumerGroupView.State)] {
        try adminRequest(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, "list groups") { rk, options, queue in
            rd_kafka_ListConsumerGroups(rk, options, queue)
        } read: { event in
            guard let result = rd_kafka_event_ListConsumerGroups_result(event) else {
                throw BrokerError(.admin, "list groups: no result")
            }
            var errorCount = 0
            if let errors = rd_kafka_ListConsumerGroups_result_errors(result, &errorCount), errorCount > 0 {
                // A partial list could leave out a group that still reads: better no plan.
                throw BrokerError(.admin, "list groups: \(String(cString: rd_kafka_error_string(errors[0])))")
            }
            var count = 0
            guard let listings = rd_kafka_ListConsumerGroups_result_valid(result, &count) else { return [] }
            return (0..<count).map { index in
                let listing = listings[index]
                return (String(cString: rd_kafka_ConsumerGroupListing_group_id(listing)),
                        groupState(rd_kafka_ConsumerGroupListing_state(listing)))
            }
        }
    }

    private func describe(_ groupIds: [String]) throws -> [String: (state: ConsumerGroupView.State, partitions: Set<TopicPartition>)] {
        let names = groupIds.map { strdup($0) }
        defer { names.forEach { free($0) } }
        var pointers = names.map { UnsafePointer($0) }
        return try adminRequest(RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, "describe groups") { rk, options, queue in
            rd_kafka_DescribeConsumerGroups(rk, &pointers, pointers.count, options, queue)
        } read: { event in
            guard let result = rd_kafka_event_DescribeConsumerGroups_result(event) else {
                throw BrokerError(.admin, "describe groups: no result")
            }
            var count = 0
            guard let descriptions = rd_kafka_DescribeConsumerGroups_result_groups(result, &count) else { return [:] }
            var described: [String: (state: ConsumerGroupView.State, partitions: Set<TopicPartition>)] = [:]
            for index in 0..<count {
                let description = descriptions[index]
                let id = String(cString: rd_kafka_ConsumerGroupDescription_group_id(description))
                if let error = rd_kafka_ConsumerGroupDescription_error(description) {
                    throw BrokerError(.admin, "describe group \(id): \(String(cString: rd_kafka_error_string(error)))")
                }
                var partitions = Set<TopicPartition>()
                for member in 0..<rd_kafka_ConsumerGroupDescription_member_count(description) {
                    let memberDescription = rd_kafka_ConsumerGroupDescription_member(description, member)
                    if let assigned = rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(memberDescription)) {
                        partitions.formUnion(Self.partitions(of: assigned).map(\.partition))
                    }
                }
                described[id] = (groupState(rd_kafka_ConsumerGroupDescription_state(description)), partitions)
            }
            return described
        }
    }

    private func committedOffsets(of groupId: String) throws -> [TopicPartition: Int64] {
        // librdkafka 2.0 takes one group per request.
        var request = rd_kafka_ListConsumerGroupOffsets_new(groupId, nil)
        defer { rd_kafka_ListConsumerGroupOffsets_destroy(request) }
        return try adminRequest(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, "committed offsets of \(groupId)") { rk, options, queue in
            rd_kafka_ListConsumerGroupOffsets(rk, &request, 1, options, queue)
        } read: { event in
            guard let result = rd_kafka_event_ListConsumerGroupOffsets_result(event) else {
                throw BrokerError(.admin, "committed offsets of \(groupId): no result")
            }
            var count = 0
            guard let groups = rd_kafka_ListConsumerGroupOffsets_result_groups(result, &count), count > 0 else { return [:] }
            if let error = rd_kafka_group_result_error(groups[0]) {
                throw BrokerError(.admin, "committed offsets of \(groupId): \(String(cString: rd_kafka_error_string(error)))")
            }
            guard let list = rd_kafka_group_result_partitions(groups[0]) else { return [:] }
            var committed: [TopicPartition: Int64] = [:]
            // A negative offset means nothing committed there.
            for entry in Self.partitions(of: list) where entry.error == RD_KAFKA_RESP_ERR_NO_ERROR && entry.offset >= 0 {
                committed[entry.partition] = entry.offset
            }
            return committed
        }
    }

    private func adminRequest<T>(
        _ operation: rd_kafka_admin_op_t, _ what: String,
        send: (OpaquePointer, OpaquePointer?, OpaquePointer?) -> Void,
        read: (OpaquePointer) throws -> T
    ) throws -> T {
        try Broker.adminRequest(on: handle.pointer, operation, what, timeoutMilliseconds: timeoutMilliseconds, send: send, read: read)
    }

    private static func partitions(of list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [(partition: TopicPartition, offset: Int64, error: rd_kafka_resp_err_t)] {
        (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            return (TopicPartition(topic: String(cString: element.topic), partition: element.partition), element.offset, element.err)
        }
    }
}

private func groupState(_ state: rd_kafka_consumer_group_state_t) -> ConsumerGroupView.State {
    switch state {
    case RD_KAFKA_CONSUMER_GROUP_STATE_STABLE: .stable
    case RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY: .empty
    case RD_KAFKA_CONSUMER_GROUP_STATE_DEAD: .dead
    case RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE, RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE: .rebalancing
    default: .unknown
    }
}
