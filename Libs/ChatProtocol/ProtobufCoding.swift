import Foundation
import SwiftProtobuf

/// The two places the generated types meet bytes, so every event type encodes and fails the
/// same way.
enum ProtobufCoding {
    /// Map entries in key order: without it, Swift's per-process hash seed would make the same
    /// message encode differently in each service.
    static func encode(_ message: some SwiftProtobuf.Message) -> Data {
        var options = BinaryEncodingOptions()
        options.useDeterministicOrdering = true
        // Encoding can only fail for proto2 required fields, `Any` transcoding or messages over
        // 2 GiB; vartalap.proto has none of those, so a failure is a programming error.
        do {
            return try message.serializedBytes(partial: true, options: options)
        } catch {
            preconditionFailure("encoding \(type(of: message)) failed: \(error)")
        }
    }

    static func decode<M: SwiftProtobuf.Message>(_ type: M.Type, from data: Data) throws(ProtocolError) -> M {
        do {
            return try M(serializedBytes: data)
        } catch {
            throw .invalidProtobuf(String(describing: error))
        }
    }
}
