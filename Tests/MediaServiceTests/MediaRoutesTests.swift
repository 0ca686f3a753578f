import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import ObjectStore
import TestSupport
import Testing

@testable import MediaService

/// The `/assets` routes in process, against the real database and object store.
struct MediaRoutesTests {
    struct Answer {
        let status: Int
        let json: [String: Any]
    }

    static func call(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ headers: HTTPFields, json: String? = nil
    ) async throws -> Answer {
        var fields = headers
        if json != nil { fields[.contentType] = "application/json" }
        let response = try await client.execute(uri: uri, method: method, headers: fields, body: json.map { ByteBuffer(string: $0) })
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any] ?? [:]
        return Answer(status: Int(response.status.code), json: object)
    }

    @Test func anUploadIsGrantedStoredConfirmedOnceAndDownloaded() async throws {
        let harness = try await MediaHarness()
        let alice = try await harness.credentials("alice")
        let bob = try await harness.credentials("bob")
        try await harness.application().test(.router) { client in
            let grant = try await Self.call(client, .get, "/assets/upload/presigned_url?ext=.jpg&category=chat", alice)
            #expect(grant.status == 200)
            let url = try #require(grant.json["url"] as? String)
            let fileId = try #require(grant.json["fileId"] as? String)
            #expect(MediaKeys.isFileId(fileId))
            #expect(url.contains("/\(harness.keyPrefix)/chat/\(fileId).jpg?"))

            let early = try await Self.call(client, .put, "/assets/\(fileId)/status", alice, json: #"{"status":true}"#)
            #expect(early.status == 400, "nothing uploaded yet")

            let bytes = Array("jpeg bytes".utf8)
            #expect(try await harness.plain(.PUT, url, body: bytes, contentType: "image/png").status == 403, "the type is signed")
            #expect(try await harness.plain(.PUT, url, body: bytes, contentType: "image/jpeg").status == 200)

            let stranger = try await Self.call(client, .put, "/assets/\(fileId)/status", bob, json: #"{"status":true}"#)
            #expect(stranger.status == 404)
            #expect(stranger.json["status"] as? Bool == false)
            let confirmed = try await Self.call(client, .put, "/assets/\(fileId)/status", alice, json: #"{"status":true}"#)
            #expect(confirmed.status == 200)
            let again = try await Self.call(client, .put, "/assets/\(fileId)/status", alice, json: #"{"status":true}"#)
            #expect(again.status == 400)
            #expect(try await harness.store.find(fileId)?.state == .uploaded)
            #expect(try await harness.store.find(fileId)?.size == bytes.count)

            let download = try await Self.call(client, .get, "/assets/download/\(fileId)/presigned_url", bob)
            #expect(download.status == 200)
            let downloadURL = try #require(download.json["url"] as? String)
            let fetched = try await harness.plain(.GET, downloadURL)
            #expect(fetched.status == 200)
            #expect(fetched.body == bytes)

            let unknown = try await Self.call(client, .get, "/assets/download/\(MediaKeys.newFileId())/presigned_url", bob)
            #expect(unknown.status == 404)
            #expect(try await Self.call(client, .get, "/assets/download/not-an-id/presigned_url", bob).status == 404)
            #expect(try await Self.call(client, .put, "/assets/\(MediaKeys.newFileId())/status", alice, json: #"{"status":true}"#).status == 404)
            try await harness.objects.deleteObject(try #require(try await harness.store.find(fileId)).key)
        }
        try await harness.close()
    }

    @Test func theOlderRoutesAndBodiesWork() async throws {
        let harness = try await MediaHarness()
        let alice = try await harness.credentials("alice")
        try await harness.application().test(.router) { client in
            for uri in ["/assets/upload/presigned_url", "/file/upload/presigned_url"] {
                let grant = try await Self.call(client, .post, uri, alice, json: #"{"ext":"pdf","category":"docs","size":"4"}"#)
                #expect(grant.status == 200, "\(uri)")
                let url = try #require(grant.json["url"] as? String)
                let fileId = try #require(grant.json["fileId"] as? String)
                #expect(url.contains("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost"))
                #expect(try await harness.plain(.PUT, url, body: Array("12345".utf8), contentType: "application/pdf").status == 403)
                #expect(try await harness.plain(.PUT, url, body: Array("1234".utf8), contentType: "application/pdf").status == 200)
                // Shipped apps confirm with POST.
                let confirmed = try await Self.call(client, .post, "/file/\(fileId)/status", alice, json: #"{"status":true}"#)
                #expect(confirmed.status == 200)
                #expect(try await Self.call(client, .get, "/file/download/\(fileId)/presigned_url", alice).status == 200)
                try await harness.objects.deleteObject(try #require(try await harness.store.find(fileId)).key)
            }
        }
        try await harness.close()
    }

    @Test func badRequestsAreRefused() async throws {
        let harness = try await MediaHarness(maxUploadBytes: 100)
        let alice = try await harness.credentials("alice")
        try await harness.application().test(.router) { client in
            for (uri, status) in [
                ("/assets/upload/presigned_url?ext=exe&category=chat", 400),
                ("/assets/upload/presigned_url?ext=jpg", 400),
                ("/assets/upload/presigned_url?category=chat", 400),
                ("/assets/upload/presigned_url?ext=jpg&category=../x", 400),
                ("/assets/upload/presigned_url?ext=jpg&category=chat&size=0", 400),
                ("/assets/upload/presigned_url?ext=jpg&category=chat&size=abc", 400),
                ("/assets/upload/presigned_url?ext=jpg&category=chat&size=101", 413),
            ] {
                let answer = try await Self.call(client, .get, uri, alice)
                #expect(answer.status == status, "\(uri)")
                #expect(answer.json["status"] as? Bool == false)
                #expect((answer.json["error"] as? String)?.isEmpty == false)
            }
            #expect(try await Self.call(client, .get, "/assets/upload/presigned_url?ext=jpg&category=chat", [:]).status == 401)
            let grant = try await Self.call(client, .get, "/assets/upload/presigned_url?ext=jpg&category=chat", alice)
            let fileId = try #require(grant.json["fileId"] as? String)
            #expect(try await Self.call(client, .put, "/assets/\(fileId)/status", alice, json: #"{"status":"yes"}"#).status == 400)
            #expect(try await Self.call(client, .put, "/assets/\(fileId)/status", alice, json: "{}").status == 400)
        }
        try await harness.close()
    }

    @Test func aWrongObjectIsDeletedWhenConfirmed() async throws {
        let harness = try await MediaHarness(maxUploadBytes: 10)
        let alice = try await harness.credentials("alice")
        try await harness.application().test(.router) { client in
            // Too large: no size= was signed, so the store took it.
            let large = try await Self.call(client, .get, "/assets/upload/presigned_url?ext=txt&category=chat", alice)
            let largeURL = try #require(large.json["url"] as? String)
            let largeId = try #require(large.json["fileId"] as? String)
            #expect(try await harness.plain(.PUT, largeURL, body: Array(repeating: 65, count: 11), contentType: "text/plain").status == 200)
            let refused = try await Self.call(client, .put, "/assets/\(largeId)/status", alice, json: #"{"status":true}"#)
            #expect(refused.status == 400)
            let largeKey = try #require(try await harness.store.find(largeId)).key
            await #expect(throws: ObjectStoreError.notFound(largeKey)) { try await harness.objects.headObject(largeKey) }
            #expect(try await Self.call(client, .get, "/assets/download/\(largeId)/presigned_url", alice).status == 404)
            #expect(try await Self.call(client, .put, "/assets/\(largeId)/status", alice, json: #"{"status":true}"#).status == 400)

            // Another type than the extension's, put straight into the store.
            let typed = try await Self.call(client, .get, "/assets/upload/presigned_url?ext=png&category=chat", alice)
            let typedId = try #require(typed.json["fileId"] as? String)
            let typedKey = try #require(try await harness.store.find(typedId)).key
            try await harness.objects.putObject(typedKey, bytes: Array("<html>".utf8), contentType: "text/html")
            #expect(try await Self.call(client, .put, "/assets/\(typedId)/status", alice, json: #"{"status":true}"#).status == 400)
            await #expect(throws: ObjectStoreError.notFound(typedKey)) { try await harness.objects.headObject(typedKey) }

            // The owner reports a failed upload: the object goes, the id is no more.
            let failed = try await Self.call(client, .get, "/assets/upload/presigned_url?ext=txt&category=chat", alice)
            let failedURL = try #require(failed.json["url"] as? String)
            let failedId = try #require(failed.json["fileId"] as? String)
            #expect(try await harness.plain(.PUT, failedURL, body: Array("half".utf8), contentType: "text/plain").status == 200)
            #expect(try await Self.call(client, .put, "/assets/\(failedId)/status", alice, json: #"{"status":false}"#).status == 200)
            #expect(try await harness.store.find(failedId)?.state == .failed)
            #expect(try await Self.call(client, .get, "/assets/download/\(failedId)/presigned_url", alice).status == 404)
        }
        try await harness.close()
    }

    @Test func aUserHasOnlySoManyUploadsWaiting() async throws {
        let harness = try await MediaHarness(maxPendingUploads: 2)
        let alice = try await harness.credentials("alice")
        let bob = try await harness.credentials("bob")
        try await harness.application().test(.router) { client in
            let uri = "/assets/upload/presigned_url?ext=txt&category=chat"
            let first = try await Self.call(client, .get, uri, alice)
            #expect(first.status == 200)
            #expect(try await Self.call(client, .get, uri, alice).status == 200)
            let refused = try await Self.call(client, .get, uri, alice)
            #expect(refused.status == 429)
            #expect(refused.json["status"] as? Bool == false)
            #expect(try await Self.call(client, .get, uri, bob).status == 200, "the cap is per user")
            let fileId = try #require(first.json["fileId"] as? String)
            #expect(try await Self.call(client, .put, "/assets/\(fileId)/status", alice, json: #"{"status":false}"#).status == 200)
            #expect(try await Self.call(client, .get, uri, alice).status == 200, "a reported upload no longer counts")
        }
        try await harness.close()
    }

    @Test func aStoreThatIsDownIsA503() async throws {
        let harness = try await MediaHarness(endpoint: "http://127.0.0.1:\(try freePort())")
        let alice = try await harness.credentials("alice")
        try await harness.application().test(.router) { client in
            let grant = try await Self.call(client, .get, "/assets/upload/presigned_url?ext=jpg&category=chat", alice)
            #expect(grant.status == 200, "a URL needs no call to the store")
            let fileId = try #require(grant.json["fileId"] as? String)
            let answer = try await Self.call(client, .put, "/assets/\(fileId)/status", alice, json: #"{"status":true}"#)
            #expect(answer.status == 503)
            #expect(answer.json["status"] as? Bool == false)
            #expect((answer.json["error"] as? String)?.contains("try again") == true)
            #expect(try await harness.store.find(fileId)?.state == .pending, "the owner can confirm once the store is back")
        }
        try await harness.close()
    }

    @Test func theSweeperDeletesOnlyOldUnconfirmedUploads() async throws {
        let harness = try await MediaHarness()
        let now = Date()
        let old = now.addingTimeInterval(-7200)
        let stale = try await harness.operations.uploadURL(ext: "txt", category: "chat", size: nil, owner: "alice", now: old)
        let staleKey = try #require(try await harness.store.find(stale.fileId)).key
        try await harness.objects.putObject(staleKey, bytes: Array("stale".utf8), contentType: "text/plain")
        let neverUploaded = try await harness.operations.uploadURL(ext: "txt", category: "chat", size: nil, owner: "alice", now: old)
        let confirmed = try await harness.operations.uploadURL(ext: "txt", category: "chat", size: nil, owner: "alice", now: old)
        let confirmedKey = try #require(try await harness.store.find(confirmed.fileId)).key
        try await harness.objects.putObject(confirmedKey, bytes: Array("kept".utf8), contentType: "text/plain")
        try await harness.operations.setStatus(fileId: confirmed.fileId, uploaded: true, by: "alice")
        let recent = try await harness.operations.uploadURL(ext: "txt", category: "chat", size: nil, owner: "alice", now: now)

        #expect(await harness.sweeper().sweep(now: now) == 2)
        #expect(try await harness.store.find(stale.fileId) == nil)
        #expect(try await harness.store.find(neverUploaded.fileId) == nil)
        await #expect(throws: ObjectStoreError.notFound(staleKey)) { try await harness.objects.headObject(staleKey) }
        #expect(try await harness.store.find(confirmed.fileId)?.state == .uploaded)
        #expect(try await harness.objects.headObject(confirmedKey).size == 4)
        #expect(try await harness.store.find(recent.fileId)?.state == .pending)
        #expect(await harness.sweeper().sweep(now: now) == 0)
        try await harness.objects.deleteObject(confirmedKey)
        try await harness.close()
    }
}
