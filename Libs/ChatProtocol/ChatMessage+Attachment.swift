import Foundation

/// The file a chat message carries. Files never travel through the chat services: the app
/// uploads one through media-ms's presigned URL, then sends an ordinary message whose JSON
/// body names it, e.g. `{"fileId": "<32 hex>", "name": "cat.jpg", "contentType":
/// "image/jpeg", "size": 52133}` with `head.contentType` `IMAGE`, `VIDEO`, `AUDIO` or
/// `ATTACHMENT` (the Vartalap app's message types). Docs/PROTOCOL.md "Attachment messages".
public struct AttachmentReference: Sendable, Equatable {
    /// media-ms's id of the uploaded file.
    public var fileId: String
    /// The file's media type as the sender gave it (`body.contentType`), else the message's
    /// kind in lower case (`image`, `video`, `audio`, `attachment`), else nil.
    public var mediaType: String?

    public init(fileId: String, mediaType: String?) {
        self.fileId = fileId
        self.mediaType = mediaType
    }

    /// Longer ids and media types are not something media-ms or a client makes: such a body is
    /// not read as an attachment, so it cannot blow up a push payload.
    static let maxFieldLength = 128
    /// `head.contentType` values of the Vartalap app that stand for a file.
    static let fileKinds: Set<String> = ["IMAGE", "VIDEO", "AUDIO", "ATTACHMENT"]
}

extension ChatMessage {
    /// The file this message carries, or nil: a chat message whose body is a JSON object with
    /// a non-empty string `fileId`. Receipts, typing and server frames never carry one.
    public var attachment: AttachmentReference? {
        guard type == .message || type == .custom, !content.isEmpty,
            case .object(let body)? = try? JSONParser.parse(content),
            case .string(let fileId)? = body["fileId"],
            !fileId.isEmpty, fileId.utf8.count <= AttachmentReference.maxFieldLength
        else { return nil }
        var mediaType: String?
        if case .string(let declared)? = body["contentType"], !declared.isEmpty,
            declared.utf8.count <= AttachmentReference.maxFieldLength
        {
            mediaType = declared
        } else if let kind = meta["contentType"]?.uppercased(), AttachmentReference.fileKinds.contains(kind) {
            mediaType = kind.lowercased()
        }
        return AttachmentReference(fileId: fileId, mediaType: mediaType)
    }
}
