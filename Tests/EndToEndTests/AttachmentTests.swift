import AsyncHTTPClient
import Foundation
import NIOCore
import TestSupport
import XCTest

/// Attachments through the public address only: media-ms's routes behind nginx's
/// auth_request, and the object store behind nginx's bucket location, where the presigned
/// URL's signature is the only credential.
final class AttachmentTests: XCTestCase {
    struct User {
        let name: String
        let key: String

        static func login(_ prefix: String) async throws -> User {
            let name = TestStack.uniqueName(prefix)
            return User(name: name, key: try await TestStack.login(name))
        }

        func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> (Int, [String: Any]) {
            try await TestStack.request(
                method, path, body: try body.map { try JSONSerialization.data(withJSONObject: $0) },
                headers: TestStack.credentials(name, key))
        }

        /// `(url, fileId)` of a new upload of a .jpg.
        func presign(_ prefix: String = "/assets") async throws -> (url: String, fileId: String) {
            let (status, body) = try await call("GET", "\(prefix)/upload/presigned_url?ext=jpg&category=chat")
            XCTAssertEqual(status, 200, "\(body)")
            return (try XCTUnwrap(body["url"] as? String), try XCTUnwrap(body["fileId"] as? String))
        }
    }

    /// A request to a URL as given (a presigned one), without credentials.
    static func raw(_ method: String, _ url: String, body: [UInt8]? = nil, contentType: String? = nil) async throws -> (Int, [UInt8]) {
        var request = HTTPClientRequest(url: url)
        request.method = .RAW(value: method)
        if let contentType { request.headers.add(name: "content-type", value: contentType) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), Array(bytes.readableBytesView))
    }

    static func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255) } }

    func testUploadConfirmAndDownloadThroughThePublicAddress() async throws {
        let owner = try await User.login("att-owner")
        let reader = try await User.login("att-reader")
        let publicRoot = try TestStack.publicURL().replacingOccurrences(of: "/v1.0", with: "")
        let (url, fileId) = try await owner.presign()
        XCTAssertTrue(url.hasPrefix(publicRoot + "/"), "\(url) is not on the public address \(publicRoot)")

        let content = Self.bytes(200_000)
        var (status, answer) = try await Self.raw("PUT", url, body: content, contentType: "image/jpeg")
        XCTAssertEqual(status, 200, String(decoding: answer, as: UTF8.self))
        var (apiStatus, body) = try await owner.call("PUT", "/assets/\(fileId)/status", ["status": true])
        XCTAssertEqual(apiStatus, 200, "\(body)")

        // Any logged-in user may fetch a shared file; the same bytes come back.
        (apiStatus, body) = try await reader.call("GET", "/assets/download/\(fileId)/presigned_url")
        XCTAssertEqual(apiStatus, 200, "\(body)")
        let download = try XCTUnwrap(body["url"] as? String)
        (status, answer) = try await Self.raw("GET", download)
        XCTAssertEqual(status, 200)
        XCTAssertEqual(answer, content)

        // A changed signature, or none, is refused by the store itself.
        let tampered = try XCTUnwrap(Self.tamperedSignature(download))
        (status, _) = try await Self.raw("GET", tampered)
        XCTAssertEqual(status, 403)
        let unsigned = String(download.prefix { $0 != "?" })
        (status, _) = try await Self.raw("GET", unsigned)
        XCTAssertEqual(status, 403)
        (status, _) = try await Self.raw("PUT", unsigned, body: [1, 2, 3], contentType: "image/jpeg")
        XCTAssertEqual(status, 403)

        // Only the owner reports, once.
        (apiStatus, body) = try await reader.call("PUT", "/assets/\(fileId)/status", ["status": true])
        XCTAssertEqual(apiStatus, 404, "\(body)")
        (apiStatus, body) = try await owner.call("PUT", "/assets/\(fileId)/status", ["status": true])
        XCTAssertEqual(apiStatus, 400, "\(body)")
    }

    /// The app's flow: upload, confirm, send an IMAGE message naming the file to someone
    /// offline; they get it when they connect (and in history) and download the same bytes.
    func testAPhotoTravelsAsAMessageToAnOfflineUser() async throws {
        let alice = try await User.login("att-alice")
        let bob = try await User.login("att-bob")
        let (url, fileId) = try await alice.presign()
        let content = Self.bytes(30_000)
        let (putStatus, answer) = try await Self.raw("PUT", url, body: content, contentType: "image/jpeg")
        XCTAssertEqual(putStatus, 200, String(decoding: answer, as: UTF8.self))
        let (confirmStatus, confirmBody) = try await alice.call("PUT", "/assets/\(fileId)/status", ["status": true])
        XCTAssertEqual(confirmStatus, 200, "\(confirmBody)")

        let sender = try await ChatClient.connect(alice.name, key: alice.key)
        defer { sender.close() }
        let photo: [String: Any] = ["fileId": fileId, "name": "cat.jpg", "contentType": "image/jpeg", "size": content.count]
        sender.sendJSON([
            "_v": 2.1, "id": "photo-1",
            "head": ["type": "INDIVIDUAL", "to": bob.name, "from": alice.name, "contentType": "IMAGE", "chatid": alice.name],
            "body": photo,
        ])
        _ = try await sender.waitForFrame("the server ack of the photo") { $0.isServerAck && $0.id == "photo-1" }

        let recipient = try await ChatClient.connect(bob.name, key: bob.key)
        defer { recipient.close() }
        let delivered = try await recipient.waitForFrame("the photo message") { $0.id == "photo-1" && $0.from == alice.name }
        XCTAssertEqual(delivered.contentType, "IMAGE")
        let body = try XCTUnwrap(delivered.object["body"] as? [String: Any])
        XCTAssertEqual(body["fileId"] as? String, fileId)
        XCTAssertEqual(body["name"] as? String, "cat.jpg")
        XCTAssertEqual(body["size"] as? Int, content.count)

        let (status, grant) = try await bob.call("GET", "/assets/download/\(fileId)/presigned_url")
        XCTAssertEqual(status, 200, "\(grant)")
        let (getStatus, got) = try await Self.raw("GET", try XCTUnwrap(grant["url"] as? String))
        XCTAssertEqual(getStatus, 200)
        XCTAssertEqual(got, content)
    }

    /// The legacy POST presign and the original `/file` prefix, through to a download.
    func testLegacyPresignAndFilePrefix() async throws {
        let owner = try await User.login("att-legacy")
        var (status, body) = try await owner.call("POST", "/file/upload/presigned_url", ["ext": "png", "category": "chat"])
        XCTAssertEqual(status, 200, "\(body)")
        let url = try XCTUnwrap(body["url"] as? String)
        let fileId = try XCTUnwrap(body["fileId"] as? String)
        let content = Self.bytes(1000)
        let (putStatus, answer) = try await Self.raw("PUT", url, body: content, contentType: "image/png")
        XCTAssertEqual(putStatus, 200, String(decoding: answer, as: UTF8.self))
        (status, body) = try await owner.call("POST", "/file/\(fileId)/status", ["status": true])
        XCTAssertEqual(status, 200, "\(body)")
        (status, body) = try await owner.call("GET", "/file/download/\(fileId)/presigned_url")
        XCTAssertEqual(status, 200, "\(body)")
        let (getStatus, got) = try await Self.raw("GET", try XCTUnwrap(body["url"] as? String))
        XCTAssertEqual(getStatus, 200)
        XCTAssertEqual(got, content)
        // The /assets presign works under /file too.
        _ = try await owner.presign("/file")
    }

    func testRefusals() async throws {
        let user = try await User.login("att-refusals")
        let unknown = String(repeating: "0", count: 32)
        var (status, body) = try await user.call("GET", "/assets/download/\(unknown)/presigned_url")
        XCTAssertEqual(status, 404, "\(body)")
        (status, body) = try await user.call("PUT", "/assets/\(unknown)/status", ["status": true])
        XCTAssertEqual(status, 404, "\(body)")
        (status, body) = try await user.call("GET", "/assets/upload/presigned_url?ext=exe&category=chat")
        XCTAssertEqual(status, 400, "\(body)")

        // No key: nginx's auth_request refuses every media route.
        for (method, path) in [
            ("GET", "/assets/upload/presigned_url?ext=jpg&category=chat"), ("POST", "/assets/upload/presigned_url"),
            ("GET", "/assets/download/\(unknown)/presigned_url"), ("PUT", "/assets/\(unknown)/status"),
            ("GET", "/file/upload/presigned_url?ext=jpg&category=chat"),
        ] {
            (status, body) = try await TestStack.request(method, path, body: Data("{}".utf8))
            XCTAssertEqual(status, 401, "\(method) \(path): \(body)")
        }
        (status, body) = try await TestStack.request(
            "GET", "/assets/upload/presigned_url?ext=jpg&category=chat", headers: TestStack.credentials(user.name, "wrong-key"))
        XCTAssertEqual(status, 401, "\(body)")
    }

    /// The URL with one character of its X-Amz-Signature changed.
    static func tamperedSignature(_ url: String) -> String? {
        guard let range = url.range(of: "X-Amz-Signature=") else { return nil }
        let index = range.upperBound
        guard index < url.endIndex else { return nil }
        let replacement: Character = url[index] == "0" ? "1" : "0"
        return url.replacingCharacters(in: index...index, with: String(replacement))
    }
}
