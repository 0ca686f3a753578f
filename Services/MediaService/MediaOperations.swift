import Foundation
import Hummingbird
import Logging
import Metrics
import ObjectStore
import PublicAPI

/// What the routes do: hand out upload and download URLs, and settle an upload when its
/// owner reports on it. Refusals are `APIError`s; a store that cannot be reached is a 503.
struct MediaOperations: Sendable {
    let store: MediaStore
    let objects: ObjectStoreClient
    let types: MediaTypes
    let limits: MediaLimits
    let keyPrefix: String
    let metrics: MediaMetrics

    struct UploadGrant: Sendable, Equatable {
        let url: String
        let fileId: String
    }

    /// Records a new upload of `owner` and returns where to PUT it. With `size`, the URL
    /// signs the content length too, so only exactly that many bytes are accepted.
    func uploadURL(ext: String?, category: String?, size: String?, owner: String, now: Date = Date()) async throws -> UploadGrant {
        guard let ext, !ext.isEmpty else { throw APIError(.badRequest, "ext is required") }
        guard let category, !category.isEmpty else { throw APIError(.badRequest, "category is required") }
        guard let normalized = MediaTypes.normalized(ext), let contentType = types.contentType(of: normalized) else {
            throw APIError(.badRequest, "files of type \(ext) are not accepted")
        }
        guard MediaKeys.isValidSegment(category) else {
            throw APIError(.badRequest, "category must be 1-64 characters of a-z, A-Z, 0-9, '-' and '_'")
        }
        var declaredSize: Int?
        if let size {
            guard let bytes = Int(size), bytes >= 1 else { throw APIError(.badRequest, "size must be a positive number of bytes") }
            guard bytes <= limits.maxUploadBytes else {
                throw APIError(.contentTooLarge, "files may be at most \(limits.maxUploadBytes) bytes")
            }
            declaredSize = bytes
        }
        // Every URL is a record until reported or swept: a cap keeps one user from filling the database.
        guard try await store.pendingCount(of: owner) < limits.maxPendingUploads else {
            throw APIError(.tooManyRequests, "too many uploads waiting for their status: report or finish them first")
        }
        let fileId = MediaKeys.newFileId()
        let record = MediaRecord(
            id: fileId, owner: owner, category: category, ext: normalized, contentType: contentType,
            key: MediaKeys.objectKey(prefix: keyPrefix, category: category, fileId: fileId, ext: normalized),
            declaredSize: declaredSize, state: .pending, createdAt: Int64(now.timeIntervalSince1970 * 1000), size: nil)
        try await store.insert(record)
        metrics.uploadURLs.increment()
        let url = objects.presignedURL(
            .put, key: record.key, expires: limits.uploadURLTTL, contentType: contentType, contentLength: declaredSize, now: now)
        return UploadGrant(url: url, fileId: fileId)
    }

    /// A URL to GET the file with; any authenticated user may ask, as in the original server
    /// (the id is what is shared in a message). Unknown and refused files are 404.
    func downloadURL(fileId: String, now: Date = Date()) async throws -> String {
        guard MediaKeys.isFileId(fileId), let record = try await store.find(fileId), record.state == .pending || record.state == .uploaded
        else { throw APIError(.notFound, "file not found") }
        metrics.downloadURLs.increment()
        return objects.presignedURL(.get, key: record.key, expires: limits.downloadURLTTL, now: now)
    }

    /// The owner says how the upload went, once. `true` is checked against the stored object
    /// (there, not too large, of the allowed type); a refused object is deleted.
    func setStatus(fileId: String, uploaded: Bool, by user: String) async throws {
        guard MediaKeys.isFileId(fileId), let record = try await store.find(fileId), record.owner == user else {
            throw APIError(.notFound, "file not found")
        }
        guard record.state == .pending else { throw APIError(.badRequest, "the status of this file is already set") }
        guard uploaded else {
            try await deleteObject(record)
            guard try await store.transition(fileId, from: .pending, to: .failed) else {
                throw APIError(.badRequest, "the status of this file is already set")
            }
            return
        }
        let info: ObjectInfo
        do {
            info = try await objects.headObject(record.key)
        } catch ObjectStoreError.notFound {
            // Still pending: the owner may upload and confirm again while the URL lasts.
            throw APIError(.badRequest, "nothing was uploaded for this file")
        } catch let error as ObjectStoreError {
            throw Self.apiError(error)
        }
        if let reason = Self.refusal(of: info, for: record, maxUploadBytes: limits.maxUploadBytes) {
            try await deleteObject(record)
            _ = try await store.transition(fileId, from: .pending, to: .failed)
            metrics.refused.increment()
            throw APIError(.badRequest, reason)
        }
        guard try await store.transition(fileId, from: .pending, to: .uploaded, size: info.size) else {
            throw APIError(.badRequest, "the status of this file is already set")
        }
        metrics.confirmed.increment()
    }

    /// Why the stored object is refused, or nil when it is fine.
    static func refusal(of info: ObjectInfo, for record: MediaRecord, maxUploadBytes: Int) -> String? {
        if info.size > maxUploadBytes { return "the file is larger than \(maxUploadBytes) bytes" }
        if let declared = record.declaredSize, info.size != declared { return "the file is not the size declared" }
        if !MediaTypes.matches(info.contentType, record.contentType) { return "the file is not of type \(record.contentType)" }
        return nil
    }

    private func deleteObject(_ record: MediaRecord) async throws {
        do {
            try await objects.deleteObject(record.key)
        } catch let error as ObjectStoreError {
            throw Self.apiError(error)
        }
    }

    /// A store that cannot be reached is a 503 (retry later); any other store failure stays
    /// as it is, which the error middleware logs and answers 500.
    static func apiError(_ error: ObjectStoreError) -> any Error {
        if case .unavailable = error { return APIError(.serviceUnavailable, "file storage is unavailable, try again") }
        return error
    }
}

/// media-ms's counters, on `/metrics`.
struct MediaMetrics: Sendable {
    let uploadURLs = Counter(label: "media_upload_urls_total")
    let downloadURLs = Counter(label: "media_download_urls_total")
    let confirmed = Counter(label: "media_uploads_confirmed_total")
    let refused = Counter(label: "media_uploads_refused_total")
    let swept = Counter(label: "media_unconfirmed_uploads_deleted_total")
    let sweepFailures = Counter(label: "media_sweep_failures_total")
}
