import Foundation
import Testing

@testable import DocumentStore

/// Conversions that need no server.
@Suite struct DocumentTests {
    @Test func literalKeepsWrittenOrder() {
        let document: Document = ["zeta": 1, "alpha": "a", "mid": true]
        #expect(document.keys == ["zeta", "alpha", "mid"])
    }

    @Test func settingAKeyReplacesInPlaceAndNilRemoves() {
        var document: Document = ["a": 1, "b": 2, "c": 3]
        document["b"] = "two"
        document["d"] = 4
        document["a"] = nil
        #expect(document.keys == ["b", "c", "d"])
        #expect(document["b"] == "two")
        #expect(document["a"] == nil)
    }

    @Test func everyValueTypeSurvivesBSON() throws {
        let document: Document = [
            "string": "héllo \"quoted\" \u{0}nul",
            "int32": .int32(-7),
            "int64": .int64(Int64.max),
            "double": 2.5,
            "bool": false,
            "null": nil,
            "date": .date(millisecondsSince1970: -1234),
            "oid": .objectID("65a1b2c3d4e5f60718293a4b"),
            "nested": ["b": 1, "a": [1, "x", ["deep": true]]],
            "empty": [],
        ]
        let roundTripped = try BSONArena.with { arena in try Document(bson: arena.bson(document)) }
        #expect(roundTripped == document)
    }

    @Test func invalidObjectIDIsRejected() {
        #expect(throws: DocumentStoreError.self) {
            try BSONArena.with { arena in try arena.bson(["_id": .objectID("not-an-oid")]) }
        }
    }

    @Test func keyWithNulIsRejected() {
        #expect(throws: DocumentStoreError.self) {
            try BSONArena.with { arena in try arena.bson(["a\u{0}b": 1]) }
        }
    }

    @Test func codableRoundTripStoresDatesAsBSONDates() throws {
        var message = StoredMessage.sample(3)
        message.readBy = ["u1", "u2"]
        let document = try Document(encoding: message)
        #expect(document["sentAt"] == .date(millisecondsSince1970: 1_700_000_003_123))
        #expect(document["readBy"] == ["u1", "u2"])
        #expect(try document.decode(StoredMessage.self) == message)
    }

    @Test func serverShapedValuesDecode() throws {
        struct Row: Decodable, Equatable {
            var _id: String
            var big: Int64
            var whole: Int
            var fraction: Double
            var text: String
        }
        let document: Document = [
            "_id": .objectID("65a1b2c3d4e5f60718293a4b"),
            "big": .int64(9_007_199_254_740_993),
            "whole": .double(3),
            "fraction": .double(0.1),
            "text": "tab\t newline\n quote\" backslash\\ bell\u{7} emoji 🙂",
        ]
        let row = try document.decode(Row.self)
        #expect(
            row
                == Row(
                    _id: "65a1b2c3d4e5f60718293a4b", big: 9_007_199_254_740_993, whole: 3, fraction: 0.1,
                    text: "tab\t newline\n quote\" backslash\\ bell\u{7} emoji 🙂"))
    }

    @Test func decodingFailureNamesTheField() throws {
        let document: Document = ["_id": "m1", "conversation": "c1"]
        let error = try #require(throws: DocumentStoreError.self) {
            try document.decode(StoredMessage.self)
        }
        guard case .decoding(let reason) = error else {
            Issue.record("expected .decoding, got \(error)")
            return
        }
        #expect(reason.contains("sender"))
    }

    @Test func nonObjectEncodableIsAnInvalidDocument() {
        #expect(throws: DocumentStoreError.self) {
            try Document(encoding: [1, 2, 3])
        }
    }

    @Test func defaultIndexNameFollowsServerConvention() {
        #expect(IndexDescription.defaultName(for: ["conversation": 1, "sentAt": -1]) == "conversation_1_sentAt_-1")
    }
}
