// The REST routes of Docs/openapi.yaml that the page uses, all under /v1.0 on this origin.

export const apiBase = "/v1.0";

export class APIError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function call(method, path, { body, session } = {}) {
  const headers = { "content-type": "application/json" };
  if (session) {
    headers.user = session.user;
    headers.accesskey = session.accesskey;
  }
  const response = await fetch(apiBase + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new APIError(response.status, json.error ?? `request failed (${response.status})`);
  return json;
}

export async function login(username, token, deviceId) {
  const json = await call("POST", "/login", {
    body: { username, authToken: token, notificationToken: "", deviceId, messageVersion: 2.1 },
  });
  return { user: json.username, accesskey: json.accesskey, deviceId };
}

export function logout(session) {
  return call("POST", "/logout", { session });
}

export function profile(session) {
  return call("GET", "/profile", { session });
}

export function groups(session) {
  return call("GET", "/groups", { session });
}

export function createGroup(session, name, members) {
  return call("POST", "/groups", { session, body: { name, members } });
}

export function socketURL() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${apiBase}/wss/?format=text&ack=true`;
}

// Frames through REST (the fallback when WebSockets are refused); answers the server acks.
export async function sendFrames(session, frames) {
  const json = await call("POST", "/send?ack=true", { session, body: frames.map((frame) => JSON.stringify(frame)) });
  return json.acks ?? [];
}

export function eventsURL() {
  return `${apiBase}/events`;
}

// The conversation history (404 where the server keeps none).
export function conversations(session) {
  return call("GET", "/conversations?limit=100", { session });
}

export function conversationMessages(session, id, before) {
  const cursor = before ? `&before=${encodeURIComponent(before)}` : "";
  return call("GET", `/conversations/${encodeURIComponent(id)}/messages?limit=50${cursor}`, { session });
}

// Attachments (PROTOCOL.md "Attachments"): media-ms hands out presigned URLs of the object
// store, which nginx serves on this origin; the bytes go to and come from the store itself.
export function uploadGrant(session, ext, size) {
  const query = `ext=${encodeURIComponent(ext)}&category=chat&size=${encodeURIComponent(size)}`;
  return call("GET", `/assets/upload/presigned_url?${query}`, { session });
}

// The PUT to a presigned upload URL: the content type (and length) are signed, so the
// store refuses any other with 403. No credentials: the URL's signature is the credential.
export async function putToStore(url, file, contentType) {
  let response;
  try {
    response = await fetch(url, { method: "PUT", headers: { "content-type": contentType }, body: file });
  } catch (error) {
    throw new APIError(0, `the upload did not reach the file store (${error.message})`);
  }
  if (!response.ok) throw new APIError(response.status, `the file store refused the upload (${response.status})`);
}

// Tells media-ms the upload finished (it checks the stored file) or failed (it deletes it).
export function reportUpload(session, fileId, uploaded) {
  return call("PUT", `/assets/${encodeURIComponent(fileId)}/status`, { session, body: { status: uploaded } });
}

export function downloadGrant(session, fileId) {
  return call("GET", `/assets/download/${encodeURIComponent(fileId)}/presigned_url`, { session });
}

// Pages (PROTOCOL.md "Pages"): a page's name for anyone, its agents for its agents.
export function page(session, id) {
  return call("GET", `/pages/${encodeURIComponent(id)}`, { session });
}

export function createPage(session, name) {
  return call("POST", "/pages", { session, body: { name } });
}

export function addAgents(session, id, usernames, role = "moderator") {
  return call("POST", `/pages/${encodeURIComponent(id)}/agents`, { session, body: { usernames, role } });
}

// The page's inbox, for its agents: the 100 most recently active threads.
export function pageThreads(session, id) {
  return call("GET", `/pages/${encodeURIComponent(id)}/threads?limit=100`, { session });
}

export function threadMessages(session, id, user, before) {
  const cursor = before ? `&before=${encodeURIComponent(before)}` : "";
  return call("GET", `/pages/${encodeURIComponent(id)}/threads/${encodeURIComponent(user)}/messages?limit=50${cursor}`, { session });
}

// `assignee`: an agent's username, or null for nobody.
export function assignThread(session, id, user, assignee) {
  return call("POST", `/pages/${encodeURIComponent(id)}/threads/${encodeURIComponent(user)}/assign`, { session, body: { assignee } });
}

// Search (PROTOCOL.md "Search"): the caller's messages holding every word of `q`, newest first.
export function search(session, q, before) {
  const cursor = before ? `&before=${encodeURIComponent(before)}` : "";
  return call("GET", `/search?q=${encodeURIComponent(q)}&limit=20${cursor}`, { session });
}
