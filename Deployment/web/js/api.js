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
