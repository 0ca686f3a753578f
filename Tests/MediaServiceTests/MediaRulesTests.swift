import ObjectStore
import Testing

@testable import MediaService

/// media-ms's rules that need no server: types, ids, keys, durations, flags, refusals.
struct MediaRulesTests {
    @Test func extensionsMapToTheirContentTypes() {
        let types = MediaTypes.defaults
        #expect(types.contentType(of: "jpg") == "image/jpeg")
        #expect(types.contentType(of: ".JPG") == "image/jpeg", "the original's examples send a dot")
        #expect(types.contentType(of: "pdf") == "application/pdf")
        #expect(types.contentType(of: "docx") == "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        #expect(types.contentType(of: "m4a") == "audio/mp4")
        #expect(types.contentType(of: "mp4") == "video/mp4")
        #expect(types.contentType(of: "txt") == "text/plain")
        for refused in ["exe", "html", "svg", "js", "", ".", "jpg/../x", "a b", "toolongextension"] {
            #expect(types.contentType(of: refused) == nil, "\(refused)")
        }
        #expect(MediaTypes.matches("image/jpeg", "image/jpeg"))
        #expect(MediaTypes.matches("Text/Plain; charset=utf-8", "text/plain"))
        #expect(!MediaTypes.matches("image/png", "image/jpeg"))
        #expect(!MediaTypes.matches(nil, "image/jpeg"))
    }

    @Test func theAllowlistIsConfigurable() {
        let types = MediaTypes(parsing: "png=image/png, .heic = image/heic")
        #expect(types?.byExtension == ["png": "image/png", "heic": "image/heic"])
        #expect(MediaTypes(parsing: "png") == nil)
        #expect(MediaTypes(parsing: "png=image") == nil)
        #expect(MediaTypes(parsing: "png=image/png;evil") == nil)
        #expect(MediaTypes(parsing: "") == nil)
    }

    @Test func fileIdsAreLongRandomAndWellFormed() {
        let ids = (0..<2000).map { _ in MediaKeys.newFileId() }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy(MediaKeys.isFileId))
        // 128 bits: every hex digit position takes many values across the sample.
        for position in 0..<32 {
            let digits = Set(ids.map { Array($0)[position] })
            #expect(digits.count >= 14, "position \(position)")
        }
        #expect(!MediaKeys.isFileId("0123456789abcdef0123456789abcdeF"))
        #expect(!MediaKeys.isFileId("../../etc/passwd"))
        #expect(!MediaKeys.isFileId("5f9f1b9b9c9d9e9f9a9b9c9d"), "a Mongo ObjectId of the original server is no id here")
    }

    @Test func keysHoldOnlySafeSegments() {
        #expect(MediaKeys.objectKey(prefix: "uploads", category: "chat", fileId: "ab", ext: "jpg") == "uploads/chat/ab.jpg")
        #expect(MediaKeys.isValidSegment("profile_pic-2"))
        for bad in ["", "a/b", "..", "a b", "é", String(repeating: "a", count: 65)] {
            #expect(!MediaKeys.isValidSegment(bad), "\(bad)")
        }
    }

    @Test func durationsTakeUnits() {
        #expect(MediaOptions.duration("900") == .seconds(900))
        #expect(MediaOptions.duration("15m") == .seconds(900))
        #expect(MediaOptions.duration("24h") == .seconds(86_400))
        #expect(MediaOptions.duration("7d") == .seconds(604_800))
        #expect(MediaOptions.duration("30s") == .seconds(30))
        for bad in ["", "m", "-5", "1.5h", "10x", "99999999999999999999"] {
            #expect(MediaOptions.duration(bad) == nil, "\(bad)")
        }
    }

    @Test func flagsHaveTheDocumentedDefaultsAndAreChecked() throws {
        let defaults = try MediaOptions.parse([])
        #expect(defaults.limits.maxUploadBytes == 25 * 1024 * 1024)
        #expect(defaults.limits.maxPendingUploads == 200)
        #expect(defaults.limits.uploadURLTTL == .seconds(900))
        #expect(defaults.limits.downloadURLTTL == .seconds(900))
        #expect(defaults.limits.unconfirmedUploadTTL == .seconds(86_400))
        #expect(defaults.types == .defaults)
        for arguments in [
            ["--max-upload-bytes", "0"],
            ["--max-pending-uploads", "0"],
            ["--upload-url-ttl", "soon"],
            ["--download-url-ttl", "8d"],
            ["--upload-url-ttl", "2h", "--unconfirmed-upload-ttl", "1h"],
            ["--allowed-media-types", "exe"],
            ["--media-key-prefix", "a/b"],
        ] {
            #expect(throws: (any Error).self, "\(arguments)") { try MediaOptions.parse(arguments) }
        }
    }

    @Test func storedObjectsAreCheckedAgainstTheRecord() {
        let record = MediaRecord(
            id: MediaKeys.newFileId(), owner: "alice", category: "chat", ext: "jpg", contentType: "image/jpeg", key: "k",
            declaredSize: nil, state: .pending, createdAt: 0, size: nil)
        func info(_ size: Int, _ type: String?) -> ObjectInfo {
            ObjectInfo(key: "k", size: size, contentType: type, etag: nil, lastModified: nil)
        }
        #expect(MediaOperations.refusal(of: info(10, "image/jpeg"), for: record, maxUploadBytes: 10) == nil)
        #expect(MediaOperations.refusal(of: info(11, "image/jpeg"), for: record, maxUploadBytes: 10) != nil)
        #expect(MediaOperations.refusal(of: info(10, "image/png"), for: record, maxUploadBytes: 10) != nil)
        #expect(MediaOperations.refusal(of: info(10, nil), for: record, maxUploadBytes: 10) != nil)
        let declared = MediaRecord(
            id: record.id, owner: "alice", category: "chat", ext: "jpg", contentType: "image/jpeg", key: "k", declaredSize: 5,
            state: .pending, createdAt: 0, size: nil)
        #expect(MediaOperations.refusal(of: info(6, "image/jpeg"), for: declared, maxUploadBytes: 10) != nil)
        #expect(MediaOperations.refusal(of: info(5, "image/jpeg"), for: declared, maxUploadBytes: 10) == nil)
    }
}
