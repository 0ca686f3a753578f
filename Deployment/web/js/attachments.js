// Pictures in chats: the upload of a picked file (presigned URL, PUT to the store, status
// report) and the download URLs of the files messages name, cached per file id.
import * as api from "./api.js";

// The picture types this page sends, as media-ms allows them (Services/MediaService/
// MediaTypes.swift): the extension decides the content type the upload URL signs.
export const imageTypes = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
};

// The extension media-ms is asked for: the file name's, else the one of the type the
// browser saw (a pasted "image" without a name).
function extensionOf(file) {
  const match = /\.([A-Za-z0-9]{1,10})$/.exec(file.name ?? "");
  if (match && imageTypes[match[1].toLowerCase()]) return match[1].toLowerCase();
  return Object.keys(imageTypes).find((ext) => imageTypes[ext] === file.type);
}

// Uploads a picked picture; answers the attachment a message carries ({fileId, name,
// contentType, size}). Throws an Error with a message for the page to show.
export async function uploadImage(session, file) {
  const ext = extensionOf(file);
  if (!ext) throw new Error(`${file.name || "this file"} is not a picture this chat can send (JPEG, PNG, GIF or WebP)`);
  const contentType = imageTypes[ext];
  const { url, fileId } = await api.uploadGrant(session, ext, file.size);
  try {
    await api.putToStore(url, file, contentType);
  } catch (error) {
    // Frees the reservation at once rather than in a day; the upload's error is the one shown.
    api.reportUpload(session, fileId, false).catch(() => {});
    throw error;
  }
  await api.reportUpload(session, fileId, true);
  return { fileId, name: file.name || `picture.${ext}`, contentType, size: file.size };
}

// Download URLs are valid 15 minutes; one is reused for 5, so a cached one always has 10
// left when it is handed out.
export const downloadURLLifetime = 5 * 60 * 1000;
const downloads = new Map();

// The download URL of a file id (a promise); asked again after downloadURLLifetime, and
// at once after a failure.
export function downloadURL(session, fileId) {
  const cached = downloads.get(fileId);
  if (cached && Date.now() - cached.at < downloadURLLifetime) return cached.url;
  const url = api.downloadGrant(session, fileId).then(({ url }) => {
    if (typeof url !== "string" || !url) throw new Error("the server gave no download URL");
    return url;
  });
  downloads.set(fileId, { url, at: Date.now() });
  url.catch(() => {
    if (downloads.get(fileId)?.url === url) downloads.delete(fileId);
  });
  return url;
}

// Another user logs in: their URLs are asked with their own credentials.
export function forgetDownloads() {
  downloads.clear();
}
