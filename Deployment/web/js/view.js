// Draws the chat list and the open conversation from the store. Text always goes in
// through textContent, never as HTML.
import { downloadURLLifetime, forgetDownloads } from "./attachments.js";
import { isImage, threadId, threadParts } from "./frames.js";

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

// The chats, after the inboxes of the pages this user answers ("inbox:<page id>", with
// the number of threads waiting for an answer).
export function renderChatList(store, openKey, onOpen) {
  const list = $("chat-list");
  const item = (key, title, badge, count, countTitle) => {
    const node = element("li", { "data-chat": key }, title);
    if (badge) node.prepend(element("span", { class: "badge" }, badge));
    if (key === openKey || (badge === "inbox" && openKey?.startsWith(`thread:${key.slice("inbox:".length)}/`))) {
      node.classList.add("selected");
    }
    if (count) node.append(element("span", { class: "unread", ...(countTitle ? { title: countTitle } : {}) }, String(count)));
    node.addEventListener("click", () => onOpen(key));
    return node;
  };
  list.replaceChildren(
    ...store.agentPages().map((page) => item(`inbox:${page.id}`, page.name, "inbox", store.unanswered(page.id), "threads waiting for an answer")),
    ...store.sortedChats().map((chat) => item(chat.key, chat.title, chat.kind === "user" ? "" : chat.kind, chat.unread)),
  );
}

// The open chat, or a page's inbox ("inbox:<page id>"); an agent's thread with one user
// ("thread:<page id>/<user>") has the tools to assign it above its messages.
export function renderConversation(store, openKey, onOpen) {
  const [kind, ...rest] = (openKey ?? "").split(":");
  const id = rest.join(":");
  const chat = openKey ? store.chats[openKey] : undefined;
  const inboxPage = kind === "inbox" ? store.pages[id] : undefined;
  const threadPage = chat?.kind === "thread" ? store.pages[threadParts(chat.id).pageId] : undefined;
  $("composer").hidden = !chat;
  $("messages").hidden = Boolean(inboxPage);
  $("conversation-title").textContent = inboxPage ? `Inbox of ${inboxPage.name}` : chat ? chatTitle(chat, store) : "Pick a chat or start one";
  renderPagePanel(store, inboxPage, onOpen);
  renderThreadTools(store, chat?.kind === "thread" ? chat : undefined, threadPage);
  const messages = $("messages");
  const atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
  // Scrolled up, the first message in sight stays where it is when older ones come in
  // above it (the list is redrawn, so the browser's own scroll anchoring cannot).
  const anchor = atBottom ? null : firstInSight(messages);
  messages.replaceChildren(...(chat?.messages ?? []).map((m) => messageItem(m, chat.kind)));
  const found = searchHit.reveal ? messageNode(messages, searchHit.id) : null;
  if (found) {
    found.scrollIntoView({ block: "center" });
    searchHit.reveal = false;
  } else if (atBottom) {
    messages.scrollTop = messages.scrollHeight;
  } else if (anchor) {
    const node = messageNode(messages, anchor.id);
    if (node) messages.scrollTop += node.getBoundingClientRect().top - messages.getBoundingClientRect().top - anchor.offset;
  }
}

// The message a search result opened: marked, and scrolled to once it is shown.
const searchHit = { id: null, reveal: false };

export function showFound(id) {
  searchHit.id = id;
  searchHit.reveal = id !== null;
}

function messageNode(messages, id) {
  return messages.querySelector(`li.message[data-id="${CSS.escape(id)}"]`);
}

function firstInSight(messages) {
  const top = messages.getBoundingClientRect().top;
  for (const node of messages.children) {
    const box = node.getBoundingClientRect();
    if (box.bottom > top) return { id: node.dataset.id, offset: box.top - top };
  }
  return null;
}

// Search results under the search box (`found` null: none shown). Each names its chat and
// its sender; a click opens the chat at the message.
export function renderSearchResults(store, found, onPick, onMore) {
  const list = $("search-results");
  list.hidden = !found;
  if (!found) return;
  const items = found.results.map((result) => {
    const node = element("li", { class: "search-result", "data-chat": result.key, "data-id": result.id });
    const chat = store.chats[result.key];
    node.append(element("span", { class: "result-chat" }, chat ? chatTitle(chat, store) : result.chatId));
    node.append(element("span", { class: "result-text" }, `${result.from}: ${result.text || "(attachment)"}`));
    node.addEventListener("click", () => onPick(result));
    return node;
  });
  if (items.length === 0) items.push(element("li", { class: "hint", id: "search-empty" }, `Nothing found for “${found.q}”.`));
  if (found.next) {
    const more = element("button", { type: "button", id: "search-more" }, "More results");
    more.addEventListener("click", onMore);
    const item = element("li");
    item.append(more);
    items.push(item);
  }
  list.replaceChildren(...items);
}

function chatTitle(chat, store) {
  if (chat.kind === "group") return `Group ${chat.title}`;
  if (chat.kind === "page") return `Page ${chat.title}`;
  if (chat.kind === "thread") {
    const { pageId, user } = threadParts(chat.id);
    return `${user} on ${store.pages[pageId]?.name ?? pageId}`;
  }
  return `Chat with ${chat.title}`;
}

// An agent's view of a page: its id to give users, its agents (admins may add one) and
// its threads, each with who it is assigned to and whether it waits for an answer.
function renderPagePanel(store, page, onOpen) {
  $("page-panel").hidden = !page;
  if (!page) return;
  $("page-panel").dataset.page = page.id;
  $("page-id").textContent = page.id;
  $("page-agents").textContent = page.agents.join(", ");
  $("add-agent-form").hidden = !page.admin;
  const threads = store.inbox(page.id);
  $("inbox-empty").hidden = threads.length > 0;
  $("inbox").replaceChildren(
    ...threads.map((thread) => {
      const node = element("li", {
        class: "thread",
        "data-thread": thread.user,
        "data-unanswered": String(thread.unanswered),
        "data-assignee": thread.assignee ?? "",
      });
      node.append(
        element("span", { class: "thread-user" }, thread.user),
        element("span", { class: "thread-text" }, thread.text),
        element("span", { class: "thread-assignee" }, thread.assignee ? `assigned to ${thread.assignee}` : "unassigned"),
      );
      if (thread.unanswered) node.append(element("span", { class: "unanswered" }, "unanswered"));
      node.addEventListener("click", () => onOpen(`thread:${threadId(page.id, thread.user)}`));
      return node;
    }),
  );
}

// Back to the inbox, and who the thread is assigned to. The picker is only reset when the
// agents or the assignee change, so a choice being made survives redraws.
function renderThreadTools(store, chat, page) {
  $("thread-tools").hidden = !chat;
  if (!chat) return;
  const { pageId, user } = threadParts(chat.id);
  const thread = store.inbox(pageId).find((t) => t.user === user);
  const assignee = thread?.assignee ?? null;
  const tools = $("thread-tools");
  tools.dataset.page = pageId;
  tools.dataset.user = user;
  $("thread-assignee").textContent = assignee ? `assigned to ${assignee}` : "unassigned";
  $("thread-assignee").dataset.assignee = assignee ?? "";
  const select = $("assign-select");
  const options = ["", ...(page?.agents ?? [])];
  if (select.dataset.options !== options.join(" ") || select.dataset.thread !== chat.id) {
    select.replaceChildren(...options.map((name) => element("option", { value: name }, name || "nobody")));
    select.dataset.options = options.join(" ");
    select.dataset.thread = chat.id;
    delete select.dataset.assignee;
  }
  if (select.dataset.assignee !== (assignee ?? "")) {
    select.dataset.assignee = assignee ?? "";
    select.value = assignee ?? "";
  }
}

// In a group or a thread, who wrote an incoming message (and which agent wrote an
// answer on the page's side); in a chat with a page, the agent who answered.
function messageItem(message, chatKind) {
  const item = element("li", { class: "message", "data-id": message.id, "data-direction": message.direction });
  if (message.id === searchHit.id) item.classList.add("found");
  const sender = message.sender ?? (chatKind === "group" && message.direction === "in" ? message.from : undefined);
  if (sender && (message.direction === "in" || !message.state)) item.append(element("span", { class: "sender" }, sender));
  if (message.attachment) item.append(attachmentNode(message));
  // Always there (empty for a picture without a caption), so every message has its text.
  item.append(element("span", { class: "text" }, message.text));
  if (message.direction === "out" && message.state) {
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
