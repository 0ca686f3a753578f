// The JSON 2.1 frames of Docs/PROTOCOL.md that this client sends and reads.

// crypto.randomUUID exists only in secure contexts; a plain-http deployment is not one.
export function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Pages (PROTOCOL.md "Pages"): a page id is `~p` and 32 hex digits; no username or group
// id starts with `~`.
export function isPageId(id) {
  return typeof id === "string" && id.startsWith("~p");
}

// An agent's chat with one user of a page: "thread" chats have the id "<page id>/<user>"
// (neither holds a slash).
export function threadId(pageId, user) {
  return `${pageId}/${user}`;
}

export function threadParts(id) {
  const slash = id.indexOf("/");
  return { pageId: id.slice(0, slash), user: id.slice(slash + 1) };
}

const channels = { user: "INDIVIDUAL", group: "GROUP", page: "PAGE", thread: "PAGE" };

// A chat message; `kind` is "user" (head.type INDIVIDUAL), "group" (GROUP, to = group id),
// "page" (PAGE, to = page id: a user writing to a page) or "thread" (PAGE, to = page id,
// thread = the user: an agent answering; `to` is the thread's id, see threadId).
// With an `attachment` ({fileId, name, contentType, size}, uploaded beforehand: PROTOCOL.md
// "Attachments") it is an attachment message: head.contentType IMAGE (ATTACHMENT for other
// files) and the file's fields as the body, with the text as an optional caption.
export function chatMessage({ id, from, to, kind, text, at, attachment }) {
  const head = {
    type: channels[kind] ?? "INDIVIDUAL",
    to,
    from,
    contentType: attachment ? (isImage(attachment) ? "IMAGE" : "ATTACHMENT") : "TEXT",
    ephemeral: false,
  };
  if (kind === "thread") {
    const { pageId, user } = threadParts(to);
    head.to = pageId;
    head.thread = user;
  } else if (kind !== "page") {
    // The recipient's chat: the group, or for a 1-to-1 message the sender.
    head.chatid = kind === "group" ? to : from;
  }
  return {
    _v: 2.1,
    id,
    head,
    meta: { createdAt: at },
    body: attachment ? attachmentBody(attachment, text) : { text },
  };
}

function attachmentBody({ fileId, name, contentType, size }, text) {
  const body = { fileId, name, contentType, size };
  if (text) body.text = text;
  return body;
}

// Whether an attachment is shown as a picture: its media type, else the message's kind.
export function isImage(attachment) {
  return String(attachment?.contentType ?? "").toLowerCase().startsWith("image/");
}

// The file a message body names ({fileId, name?, contentType?, size?}), or undefined.
function attachmentOf(body, headContentType) {
  if (typeof body.fileId !== "string" || !body.fileId) return undefined;
  const declared = typeof body.contentType === "string" ? body.contentType : "";
  return {
    fileId: body.fileId,
    name: typeof body.name === "string" && body.name ? body.name : body.fileId,
    // An app that left the media type out still says IMAGE in the head.
    contentType: declared || (headContentType === "IMAGE" ? "image/*" : "application/octet-stream"),
    size: Number.isFinite(body.size) ? body.size : undefined,
  };
}

// Tells the server a delivered message may be forgotten (it retries until it gets this).
export function clientAck(id, from) {
  return { _v: 2.1, id, head: { type: "INDIVIDUAL", to: "server", from, contentType: "CLIENT_ACK" } };
}

// A delivery receipt to the sender: an ordinary NOTIFICATION with action "state", which
// the server routes like any message (PROTOCOL.md, "Acknowledgements"). `page` (and
// `thread`, for an agent) send it through a page, as the message came.
export function deliveryReceipt({ from, to, ids, page, thread }) {
  const head = page
    ? { type: "PAGE", to: page, from, contentType: "NOTIFICATION", action: "state", ephemeral: false, ...(thread ? { thread } : {}) }
    : { type: "INDIVIDUAL", to, from, contentType: "NOTIFICATION", action: "state", ephemeral: false, chatid: from };
  return { _v: 2.1, id: newId(), head, body: { state: "delivered", ids } };
}

// The receipt for a received message (classify's event): through the page for a page's
// answer or a user's message in a thread, straight to the agent for another agent's answer.
export function receiptFor(event, me) {
  const ids = [event.id];
  if (event.chatKind === "page") return deliveryReceipt({ from: me, ids, page: event.pageId });
  if (event.chatKind === "thread" && event.from === event.threadUser) {
    return deliveryReceipt({ from: me, ids, page: event.pageId, thread: event.threadUser });
  }
  return deliveryReceipt({ from: me, to: event.from, ids });
}

// A frame's JSON text as a socket or the event stream carries it; null when it is not JSON.
export function parseFrame(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// Which chat a message belongs to, and who is shown as its sender (when not the chat).
function chatOf(head, me) {
  const type = String(head.type ?? "").toUpperCase();
  if (type === "GROUP") return { chatKind: "group", chatId: head.to, sender: head.from };
  if (type !== "PAGE") return { chatKind: "user", chatId: head.from };
  // A page's answer to this user: from the page, signed by the agent unless the page hides them.
  if (isPageId(head.from)) {
    const agent = typeof head.agent === "string" && head.agent ? head.agent : undefined;
    return { chatKind: "page", chatId: head.from, pageId: head.from, sender: agent };
  }
  // To an agent: a user's message in their thread, or another agent's answer in it (shown
  // on the page's side, as the agent's own are).
  const thread = typeof head.thread === "string" && head.thread ? head.thread : undefined;
  if (thread && thread !== me) {
    return {
      chatKind: "thread", chatId: threadId(head.to, thread), pageId: head.to, threadUser: thread,
      ...(head.from === thread ? { direction: "in" } : { sender: head.from, direction: "out" }),
    };
  }
  // This user's own message to a page (from the history).
  return { chatKind: "page", chatId: head.to, pageId: head.to };
}

// What an incoming frame means to this client; `me`, the logged-in user, tells this
// user's own messages to a page from a thread of the page's.
export function classify(frame, me) {
  const head = frame.head ?? {};
  const contentType = String(head.contentType ?? "").toUpperCase();
  if (head.from === "server") {
    if (contentType === "SERVER_ACK") return { kind: "serverAck", id: frame.id };
    if (contentType === "ERROR") return { kind: "error", id: frame.id, error: frame.body?.error ?? "refused" };
    return { kind: "ignored" };
  }
  const body = frame.body ?? {};
  if (contentType === "NOTIFICATION") {
    if (head.action === "state" && body.state === "delivered" && Array.isArray(body.ids)) {
      return { kind: "receipt", from: head.from, ids: body.ids.map(String) };
    }
    if (["add", "remove", "promote", "update"].includes(head.action)) return { kind: "groupEvent", groupId: head.to };
    return { kind: "notification" };
  }
  const attachment = attachmentOf(body, contentType);
  return {
    kind: "message",
    id: frame.id,
    from: head.from,
    ...chatOf(head, me),
    text: typeof body.text === "string" ? body.text : attachment ? "" : JSON.stringify(body),
    at: Number(frame.meta?.createdAt) || Date.now(),
    ...(attachment ? { attachment } : {}),
  };
}
