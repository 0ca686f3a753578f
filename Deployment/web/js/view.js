// Draws the chat list and the open conversation from the store. Text always goes in
// through textContent, never as HTML.

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

export function showLogin(error = "") {
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
  item.append(element("span", { class: "text" }, message.text));
  if (message.direction === "out") {
    item.dataset.state = message.state;
    const title = message.state === "failed" ? `not accepted: ${message.error}` : labels[message.state];
    item.append(element("span", { class: "mark", title }, marks[message.state]));
  }
  return item;
}
