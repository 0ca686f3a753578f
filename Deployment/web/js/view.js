// Draws the chat list and the open conversation from the store. Text always goes in
// through textContent, never as HTML.
import { downloadURLLifetime, forgetDownloads } from "./attachments.js";
import { isImage } from "./frames.js";

const marks = { pending: "…", sent: "✓", acked: "✓✓", delivered: "✓✓", failed: "!" };
const labels = {
  pending: "waiting for a connection",
  sent: "sent",
  acked: "received by the server",
  delivered: "delivered",
};

const $ = (id) => document.getElementById(id);

function element(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

// How the page gets a file's download URL (a promise), set once by main.js.
let attachmentURL = () => Promise.reject(new Error("not logged in"));

export function setAttachmentURLs(resolve) {
  attachmentURL = resolve;
}

// The shown attachment of each message, kept across redraws (the list is redrawn on every
// change) so a picture is fetched once, not on every redraw.
const attachmentNodes = new Map();

export function showLogin(error = "") {
  attachmentNodes.clear();
  forgetDownloads();
  $("chat-view").hidden = true;
  $("login-view").hidden = false;
  $("login-error").textContent = error;
}

export function showChats(user) {
  $("login-view").hidden = true;
  $("chat-view").hidden = false;
  $("me").textContent = user;
}

// `transport`: "socket", or "events" when WebSockets are refused and the page uses the
// event stream and REST instead.
export function showConnectionState(state, transport = "socket") {
  const node = $("connection-state");
  node.dataset.state = state;
  node.dataset.transport = transport;
  const online = transport === "events" ? "online (events)" : "online";
  node.textContent = state === "online" ? online : state === "offline" ? "offline, reconnecting" : "connecting";
}

export function renderChatList(store, openKey, onOpen) {
  const list = $("chat-list");
  list.replaceChildren(
    ...store.sortedChats().map((chat) => {
      const item = element("li", { "data-chat": chat.key }, chat.title);
      if (chat.kind === "group") item.prepend(element("span", { class: "badge" }, "group"));
      if (chat.key === openKey) item.classList.add("selected");
      if (chat.unread) item.append(element("span", { class: "unread" }, String(chat.unread)));
      item.addEventListener("click", () => onOpen(chat.key));
      return item;
    }),
  );
}

export function renderConversation(store, openKey) {
  const chat = openKey ? store.chats[openKey] : undefined;
  $("composer").hidden = !chat;
  $("conversation-title").textContent = chat
    ? chat.kind === "group" ? `Group ${chat.title}` : `Chat with ${chat.title}`
    : "Pick a chat or start one";
  const messages = $("messages");
  const atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
  messages.replaceChildren(...(chat?.messages ?? []).map((m) => messageItem(m, chat.kind)));
  if (atBottom) messages.scrollTop = messages.scrollHeight;
}

function messageItem(message, chatKind) {
  const item = element("li", { class: "message", "data-id": message.id, "data-direction": message.direction });
  if (message.direction === "in" && chatKind === "group") item.append(element("span", { class: "sender" }, message.from));
  if (message.attachment) item.append(attachmentNode(message));
  // Always there (empty for a picture without a caption), so every message has its text.
  item.append(element("span", { class: "text" }, message.text));
  if (message.direction === "out") {
    item.dataset.state = message.state;
    const title = message.state === "failed" ? `not accepted: ${message.error}` : labels[message.state];
    item.append(element("span", { class: "mark", title }, marks[message.state]));
  }
  return item;
}

// A picture (shown inline, its full size in a new tab on a click) or, for other files, a
// "file: name" link. The URL comes from media-ms; until then, or when it cannot be had,
// the node says so (data-state: loading, loaded, ready (a file link), failed).
function attachmentNode(message) {
  const { attachment } = message;
  const key = `${message.direction}:${message.from ?? ""}:${message.id}:${attachment.fileId}`;
  const kept = attachmentNodes.get(key);
  if (kept) return kept;
  const picture = isImage(attachment);
  const node = element("span", { class: "attachment", "data-file-id": attachment.fileId, "data-state": "loading" });
  const link = element("a", { class: "attachment-link", target: "_blank", rel: "noopener" });
  const status = element("span", { class: "attachment-status" });
  const image = picture ? element("img", { class: "attachment-image", alt: attachment.name }) : null;
  if (image) {
    link.title = `${attachment.name}: open full size`;
    link.append(image);
    status.textContent = `loading picture ${attachment.name}…`;
  } else {
    link.textContent = `file: ${attachment.name}`;
  }
  node.append(link, status);

  const failed = (reason) => {
    node.dataset.state = "failed";
    status.className = "attachment-status error";
    status.textContent = `${picture ? "picture" : "file"} ${attachment.name} unavailable: ${reason} (click to try again)`;
  };
  const use = (url) => {
    link.href = url;
    link.dataset.at = String(Date.now());
    if (image) image.src = url;
    else node.dataset.state = "ready";
  };
  const load = () => {
    node.dataset.state = "loading";
    image?.removeAttribute("src");
    status.className = "attachment-status";
    status.textContent = picture ? `loading picture ${attachment.name}…` : "";
    attachmentURL(attachment.fileId).then(use, (error) => failed(error.message));
  };
  image?.addEventListener("load", () => {
    node.dataset.state = "loaded";
    status.textContent = "";
    // A list that was at its end stays there as the picture takes its height.
    const messages = $("messages");
    if (messages.contains(node) && messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40 + image.height) {
      messages.scrollTop = messages.scrollHeight;
    }
  });
  image?.addEventListener("error", () => {
    if (image.getAttribute("src")) failed("the file store did not send it");
  });
  status.addEventListener("click", () => {
    if (node.dataset.state === "failed") load();
  });
  // The link's URL expires: an old one is replaced before the new tab goes to it. The tab
  // is opened within the click (a popup opened later would be blocked).
  link.addEventListener("click", (event) => {
    if (!link.getAttribute("href")) {
      event.preventDefault();
      return;
    }
    if (Date.now() - Number(link.dataset.at) < downloadURLLifetime) return;
    event.preventDefault();
    const tab = window.open("", "_blank");
    attachmentURL(attachment.fileId).then(
      (url) => {
        link.href = url;
        link.dataset.at = String(Date.now());
        if (tab) {
          tab.opener = null;
          tab.location = url;
        }
      },
      (error) => {
        tab?.close();
        failed(error.message);
      },
    );
  });
  attachmentNodes.set(key, node);
  load();
  return node;
}
