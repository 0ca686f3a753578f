import AsyncHTTPClient
import Foundation
import NIOCore
import ObjectStore

/// `vartalap-load media`'s second part: one large file up and down, through the public
/// address as an app does it, and straight to the object store with the same kind of
/// presigned request; only the PUT and the GET are timed.
struct FileTransfers: Sendable {
    let http: HTTPClient
    let publicURL: String
    let user: MediaUser
    /// The store reached directly; nil: only the public path.
    let direct: ObjectStoreClient?
    let bytes: Int

    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    /// Seconds of one path's timed PUTs and GETs.
    private struct Times {
        var uploads: [Double] = []
        var downloads: [Double] = []
    }

    func run(repetitions: Int) async throws -> String {
        let payload = Self.randomBytes(bytes)
        var publicTimes = Times(), directTimes = Times()
        var presign = LatencyCollector(), confirm = LatencyCollector(), downloadPresign = LatencyCollector()
        // Round 0 opens the connections and is not counted; the paths take turns going first.
        for round in 0...repetitions {
            var order: [Bool] = [true]
            if direct != nil { order = round % 2 == 0 ? [true, false] : [false, true] }
            for viaPublic in order {
                if viaPublic {
                    let result = try await publicRound(payload)
                    guard round > 0 else { continue }
                    publicTimes.uploads.append(result.upload)
                    publicTimes.downloads.append(result.download)
                    presign.add(result.presign)
                    confirm.add(result.confirm)
                    downloadPresign.add(result.downloadPresign)
                } else if let direct {
                    let result = try await directRound(payload, store: direct)
                    guard round > 0 else { continue }
                    directTimes.uploads.append(result.upload)
                    directTimes.downloads.append(result.download)
                }
            }
        }
        var lines = [
            "                      upload MB/s  (per file: median, max ms)   download MB/s  (per file: median, max ms)",
            row("through nginx", publicTimes),
        ]
        if direct != nil {
            lines.append(row("object store direct", directTimes))
            let up = rate(publicTimes.uploads) / max(rate(directTimes.uploads), 1e-9)
            let down = rate(publicTimes.downloads) / max(rate(directTimes.downloads), 1e-9)
            lines.append(String(format: "through nginx / direct: upload %.2f, download %.2f (target >= 0.8)", up, down))
        }
        lines.append(
            "every download was byte-for-byte the upload (MB = 10^6 bytes; MB/s = all bytes / all timed seconds)")
        lines.append(
            "through nginx, not timed above: presign \(presign), confirm \(confirm), download presign \(downloadPresign)")
        return lines.joined(separator: "\n")
    }

    private func rate(_ seconds: [Double]) -> Double {
        let total = seconds.reduce(0, +)
        return total > 0 ? Double(bytes * seconds.count) / total / 1e6 : 0
    }

    private func row(_ name: String, _ times: Times) -> String {
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        }
        return name.padding(toLength: 22, withPad: " ", startingAt: 0)
            + String(
                format: "%11.1f  (%6.1f, %6.1f)                 %13.1f  (%6.1f, %6.1f)", rate(times.uploads), median(times.uploads) * 1000,
                (times.uploads.max() ?? 0) * 1000, rate(times.downloads), median(times.downloads) * 1000, (times.downloads.max() ?? 0) * 1000)
    }

    private struct PublicRound {
        let presign: Double
        let upload: Double
        let confirm: Double
        let downloadPresign: Double
        let download: Double
    }

    /// An app's way: presign with the size, PUT, confirm, presign the download, GET.
    private func publicRound(_ payload: ByteBuffer) async throws -> PublicRound {
        var started = ContinuousClock.now
        let grant = try await api("GET", "/assets/upload/presigned_url?ext=jpg&category=chat&size=\(bytes)")
        let presign = (ContinuousClock.now - started).seconds
        guard let url = MediaAnswer.string("url", in: grant), let fileId = MediaAnswer.string("fileId", in: grant) else {
            throw Failed(description: "presign answered without url and fileId: \(String(buffer: grant))")
        }
        let upload = try await put(payload, to: url, what: "PUT through nginx")
        started = ContinuousClock.now
        _ = try await api("PUT", "/assets/\(fileId)/status", body: "{\"status\": true}")
        let confirm = (ContinuousClock.now - started).seconds
        started = ContinuousClock.now
        let answer = try await api("GET", "/assets/download/\(fileId)/presigned_url")
        let downloadPresign = (ContinuousClock.now - started).seconds
        guard let downloadURL = MediaAnswer.string("url", in: answer) else {
            throw Failed(description: "download presign answered without url: \(String(buffer: answer))")
        }
        let download = try await get(downloadURL, expecting: payload, what: "GET through nginx")
        return PublicRound(presign: presign, upload: upload, confirm: confirm, downloadPresign: downloadPresign, download: download)
    }

    /// The same bytes straight to the store's S3 port, with presigned URLs for that
    /// endpoint (the signed content type and length as media-ms signs them); the object is
    /// deleted afterwards.
    private func directRound(_ payload: ByteBuffer, store: ObjectStoreClient) async throws -> (upload: Double, download: Double) {
        let key = "vartalap-load/media-\(UUID().uuidString.lowercased()).jpg"
        let putURL = store.presignedURL(.put, key: key, expires: .seconds(900), contentType: "image/jpeg", contentLength: bytes)
        let upload = try await put(payload, to: putURL, what: "PUT straight to the store")
        let getURL = store.presignedURL(.get, key: key, expires: .seconds(900))
        let download = try await get(getURL, expecting: payload, what: "GET straight to the store")
        try await store.deleteObject(key)
        return (upload, download)
    }

    /// Seconds from sending the PUT to its answer.
    private func put(_ payload: ByteBuffer, to url: String, what: String) async throws -> Double {
        var request = HTTPClientRequest(url: url)
        request.method = .PUT
        request.headers.add(name: "content-type", value: "image/jpeg")
        request.body = .bytes(payload)
        let started = ContinuousClock.now
        let response = try await http.execute(request, timeout: .seconds(300))
        let answer = try await response.body.collect(upTo: 1 << 20)
        let seconds = (ContinuousClock.now - started).seconds
        guard response.status.code == 200 else {
            throw Failed(description: "\(what): \(response.status.code) \(String(buffer: answer))")
        }
        return seconds
    }

    /// Seconds from sending the GET to the body's last byte; the body must be `expected`.
    private func get(_ url: String, expecting expected: ByteBuffer, what: String) async throws -> Double {
        let request = HTTPClientRequest(url: url)
        let started = ContinuousClock.now
        let response = try await http.execute(request, timeout: .seconds(300))
        let body = try await response.body.collect(upTo: bytes + (1 << 20))
        let seconds = (ContinuousClock.now - started).seconds
        guard response.status.code == 200 else {
            throw Failed(description: "\(what): \(response.status.code) \(String(buffer: body))")
        }
        guard body == expected else {
            throw Failed(description: "\(what): \(body.readableBytes) bytes came back, not the \(bytes) bytes uploaded")
        }
        return seconds
    }

    /// A presign or status call through nginx; anything but 200 throws.
    private func api(_ method: String, _ path: String, body: String? = nil) async throws -> ByteBuffer {
        var request = HTTPClientRequest(url: publicURL + path)
        request.method = method == "PUT" ? .PUT : .GET
        user.authorize(&request)
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let answer = try await response.body.collect(upTo: 64 * 1024)
        guard response.status.code == 200 else {
            throw Failed(description: "\(method) \(path): \(response.status.code) \(String(buffer: answer))")
        }
        return answer
    }

    /// Incompressible bytes, eight at a time.
    static func randomBytes(_ count: Int) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count + 8)
        var generator = SystemRandomNumberGenerator()
        while buffer.readableBytes < count { buffer.writeInteger(generator.next() as UInt64) }
        buffer.moveWriterIndex(to: count)
        return buffer
    }
}

/// A few seconds values, summarised as p50 and max in milliseconds.
struct LatencyCollector: CustomStringConvertible {
    private var values: [Double] = []

    mutating func add(_ seconds: Double) { values.append(seconds) }

    var description: String {
        let sorted = values.sorted()
        guard let max = sorted.last else { return "-" }
        return String(format: "p50 %.1f ms, max %.1f ms", sorted[sorted.count / 2] * 1000, max * 1000)
    }
}
