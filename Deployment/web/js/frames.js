// The JSON 2.1 frames of Docs/PROTOCOL.md that this client sends and reads.

// crypto.randomUUID exists only in secure contexts; a plain-http deployment is not one.
export function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// A chat message; `kind` is "user" (head.type INDIVIDUAL) or "group" (GROUP, to = group id).
// With an `attachment` ({fileId, name, contentType, size}, uploaded beforehand: PROTOCOL.md
// "Attachments") it is an attachment message: head.contentType IMAGE (ATTACHMENT for other
// files) and the file's fields as the body, with the text as an optional caption.
export function chatMessage({ id, from, to, kind, text, at, attachment }) {
  return {
    _v: 2.1,
    id,
    head: {
      type: kind === "group" ? "GROUP" : "INDIVIDUAL",
      to,
      from,
      contentType: attachment ? (isImage(attachment) ? "IMAGE" : "ATTACHMENT") : "TEXT",
      ephemeral: false,
      // The recipient's chat: the group, or for a 1-to-1 message the sender.
      chatid: kind === "group" ? to : from,
    },
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
// the server routes like any message (PROTOCOL.md, "Acknowledgements").
export function deliveryReceipt({ from, to, ids }) {
  return {
    _v: 2.1,
    id: newId(),
    head: { type: "INDIVIDUAL", to, from, contentType: "NOTIFICATION", action: "state", ephemeral: false, chatid: from },
    body: { state: "delivered", ids },
  };
}

// A frame's JSON text as a socket or the event stream carries it; null when it is not JSON.
export function parseFrame(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// What an incoming frame means to this client.
export function classify(frame) {
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
  const isGroup = String(head.type ?? "").toUpperCase() === "GROUP";
  const attachment = attachmentOf(body, contentType);
  return {
    kind: "message",
    id: frame.id,
    from: head.from,
    chatKind: isGroup ? "group" : "user",
    chatId: isGroup ? head.to : head.from,
    text: typeof body.text === "string" ? body.text : attachment ? "" : JSON.stringify(body),
    at: Number(frame.meta?.createdAt) || Date.now(),
    ...(attachment ? { attachment } : {}),
  };
}
