import ArgumentParser
import ServiceKit

/// media-ms's own flags. Durations are seconds, or a number with `s`, `m`, `h` or `d`.
struct MediaOptions: ParsableArguments, Sendable {
    @Option(help: "Largest upload in bytes: a larger object is deleted when its upload is confirmed, and a larger size= is refused (env MAX_UPLOAD_BYTES).")
    var maxUploadBytes: Int = EnvironmentDefault.int("MAX_UPLOAD_BYTES", 25 * 1024 * 1024)

    @Option(help: "Most uploads one user may have waiting for their report; more upload URLs are refused with 429 until some are reported or swept (env MAX_PENDING_UPLOADS).")
    var maxPendingUploads: Int = EnvironmentDefault.int("MAX_PENDING_UPLOADS", 200)

    @Option(help: "How long an upload URL stays valid, e.g. 900 or 15m (env UPLOAD_URL_TTL).")
    var uploadUrlTtl: String = EnvironmentDefault.string("UPLOAD_URL_TTL", "15m")

    @Option(help: "How long a download URL stays valid, e.g. 900 or 15m (env DOWNLOAD_URL_TTL).")
    var downloadUrlTtl: String = EnvironmentDefault.string("DOWNLOAD_URL_TTL", "15m")

    @Option(help: "An upload never confirmed within this time is deleted, object and record; longer than --upload-url-ttl (env UNCONFIRMED_UPLOAD_TTL).")
    var unconfirmedUploadTtl: String = EnvironmentDefault.string("UNCONFIRMED_UPLOAD_TTL", "24h")

    @Option(help: "How often unconfirmed uploads are looked for (env UPLOAD_SWEEP_INTERVAL).")
    var uploadSweepInterval: String = EnvironmentDefault.string("UPLOAD_SWEEP_INTERVAL", "10m")

    @Option(help: "The extensions accepted and their content types, as ext=type,ext=type; empty: images, audio, video, pdf, plain text and common office files (env ALLOWED_MEDIA_TYPES).")
    var allowedMediaTypes: String = EnvironmentDefault.string("ALLOWED_MEDIA_TYPES", "")

    @Option(help: "The key prefix objects are stored under: PREFIX/CATEGORY/FILEID (env MEDIA_KEY_PREFIX).")
    var mediaKeyPrefix: String = EnvironmentDefault.string("MEDIA_KEY_PREFIX", "uploads")

    var types: MediaTypes { allowedMediaTypes.isEmpty ? .defaults : MediaTypes(parsing: allowedMediaTypes) ?? .defaults }

    var limits: MediaLimits {
        MediaLimits(
            maxUploadBytes: maxUploadBytes,
            maxPendingUploads: maxPendingUploads,
            uploadURLTTL: Self.duration(uploadUrlTtl) ?? .seconds(900),
            downloadURLTTL: Self.duration(downloadUrlTtl) ?? .seconds(900),
            unconfirmedUploadTTL: Self.duration(unconfirmedUploadTtl) ?? .seconds(86_400),
            sweepInterval: Self.duration(uploadSweepInterval) ?? .seconds(600))
    }

    mutating func validate() throws {
        guard maxUploadBytes >= 1 else { throw ValidationError("--max-upload-bytes must be at least 1") }
        guard maxPendingUploads >= 1 else { throw ValidationError("--max-pending-uploads must be at least 1") }
        for (flag, value) in [
            ("--upload-url-ttl", uploadUrlTtl), ("--download-url-ttl", downloadUrlTtl),
            ("--unconfirmed-upload-ttl", unconfirmedUploadTtl), ("--upload-sweep-interval", uploadSweepInterval),
        ] {
            guard let duration = Self.duration(value), duration >= .seconds(1) else {
                throw ValidationError("\(flag) must be a duration such as 900, 15m or 24h")
            }
        }
        // S3 signs URLs for at most 7 days.
        for (flag, value) in [("--upload-url-ttl", uploadUrlTtl), ("--download-url-ttl", downloadUrlTtl)] {
            guard let duration = Self.duration(value), duration <= .seconds(604_800) else {
                throw ValidationError("\(flag) must be at most 7 days")
            }
        }
        guard limits.unconfirmedUploadTTL > limits.uploadURLTTL else {
            throw ValidationError("--unconfirmed-upload-ttl must be longer than --upload-url-ttl: an upload may still be under way until its URL expires")
        }
        if !allowedMediaTypes.isEmpty, MediaTypes(parsing: allowedMediaTypes) == nil {
            throw ValidationError("--allowed-media-types must be ext=type/subtype,ext=type/subtype,...")
        }
        guard MediaKeys.isValidSegment(mediaKeyPrefix) else {
            throw ValidationError("--media-key-prefix must be 1-64 characters of a-z, A-Z, 0-9, '-' and '_'")
        }
    }

    var summary: [String: String] {
        [
            "maxUploadBytes": "\(maxUploadBytes)",
            "maxPendingUploads": "\(maxPendingUploads)",
            "uploadUrlTtl": uploadUrlTtl,
            "downloadUrlTtl": downloadUrlTtl,
            "unconfirmedUploadTtl": unconfirmedUploadTtl,
            "uploadSweepInterval": uploadSweepInterval,
            "allowedMediaTypes": allowedMediaTypes.isEmpty ? "(defaults)" : allowedMediaTypes,
            "mediaKeyPrefix": mediaKeyPrefix,
        ]
    }

    /// `900`, `900s`, `15m`, `24h`, `7d`; nil for anything else.
    static func duration(_ text: String) -> Duration? {
        DurationText.parse(text)
    }
}

/// The limits the routes and the sweeper apply.
struct MediaLimits: Sendable {
    var maxUploadBytes: Int
    var maxPendingUploads: Int = 200
    var uploadURLTTL: Duration
    var downloadURLTTL: Duration
    var unconfirmedUploadTTL: Duration
    var sweepInterval: Duration
}
