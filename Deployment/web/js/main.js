// Wires the page: login, the socket, and what each incoming frame does to the store.
import * as api from "./api.js";
import { Connection } from "./connection.js";
import { chatMessage, classify, clientAck, deliveryReceipt, newId } from "./frames.js";
import { Store } from "./store.js";
import * as view from "./view.js";

const sessionKey = "vartalap.session";
const $ = (id) => document.getElementById(id);

let session = null;
let store = null;
let connection = null;
let openKey = null;

function saveSession(value) {
  session = value;
  if (value) {
    localStorage.setItem(sessionKey, JSON.stringify(value));
    // The socket's credentials (PROTOCOL.md: a WebSocket may send them as cookies).
    setCookie("user", value.user);
    setCookie("accesskey", value.accesskey);
  } else {
    localStorage.removeItem(sessionKey);
    setCookie("user", "", 0);
    setCookie("accesskey", "", 0);
  }
}

function setCookie(name, value, maxAge = 60 * 60 * 24 * 90) {
  document.cookie = `${name}=${encodeURIComponent(value)}; path=${api.apiBase}; max-age=${maxAge}; SameSite=Strict`;
}

function render() {
  view.renderChatList(store, openKey, openChat);
  view.renderConversation(store, openKey);
}

function openChat(key) {
  openKey = key;
  store.markRead(key);
  render();
  $("composer-input").focus();
}

function start(value) {
  saveSession(value);
  store = new Store(session.user);
  store.onChange(render);
  openKey = null;
  view.showChats(session.user);
  render();
  refreshGroups();
  connection = new Connection(api.socketURL(), {
    onOpen: flushOutbox,
    onFrame: handleFrame,
    onState: view.showConnectionState,
    onRefused: checkKey,
  });
  connection.start();
}

function stop(error = "") {
  connection?.stop();
  connection = null;
  saveSession(null);
  view.showLogin(error);
}

// A refused socket with a key the server no longer knows (expired, logged out elsewhere)
// would retry forever: ask a REST route, and go back to the login on a 401.
async function checkKey() {
  try {
    await api.profile(session);
  } catch (error) {
    if (error.status === 401) stop("Your session ended, please log in again.");
  }
}

async function refreshGroups() {
  try {
    store.setGroups(await api.groups(session));
  } catch (error) {
    if (error.status === 401) stop("Your session ended, please log in again.");
  }
}

function flushOutbox() {
  for (const message of store.unacknowledged()) {
    const frame = chatMessage({ id: message.id, from: session.user, to: message.to, kind: message.kind, text: message.text, at: message.at });
    if (connection.send(frame)) store.advance(message.id, "sent");
  }
}

function handleFrame(frame) {
  const event = classify(frame);
  switch (event.kind) {
    case "serverAck":
      store.advance(event.id, "acked");
      break;
    case "error":
      store.fail(event.id, event.error);
      break;
    case "receipt":
      connection.send(clientAck(frame.id, session.user));
      for (const id of event.ids) store.advance(id, "delivered");
      break;
    case "groupEvent":
      connection.send(clientAck(frame.id, session.user));
      refreshGroups();
      break;
    case "message": {
      connection.send(clientAck(event.id, session.user));
      const key = Store.chatKey(event.chatKind, event.chatId);
      const isNew = store.addIncoming(event, openKey === key);
      // A group this page has not heard of (joined while away): fetch its name.
      if (isNew && event.chatKind === "group" && store.chats[key].title === event.chatId) refreshGroups();
      connection.send(deliveryReceipt({ from: session.user, to: event.from, ids: [event.id] }));
      break;
    }
    case "notification":
      connection.send(clientAck(frame.id, session.user));
      break;
    default:
      break;
  }
}

function send(text) {
  const [kind, ...rest] = openKey.split(":");
  const to = rest.join(":");
  const message = { id: newId(), from: session.user, text, at: Date.now() };
  store.addOutgoing(kind, to, message);
  if (connection.send(chatMessage({ ...message, to, kind }))) store.advance(message.id, "sent");
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  const username = $("login-username").value.trim();
  const deviceId = `web-${newId().slice(0, 12)}`;
  try {
    start(await api.login(username, $("login-token").value, deviceId));
  } catch (error) {
    $("login-error").textContent = error.message;
  }
});

$("logout-button").addEventListener("click", async () => {
  try {
    await api.logout(session);
  } finally {
    stop();
  }
});

$("new-chat-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const user = $("new-chat-input").value.trim();
  if (!user || user === session.user) return;
  store.chat("user", user);
  $("new-chat-input").value = "";
  openChat(`user:${user}`);
});

$("new-group-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("new-group-error").textContent = "";
  const members = $("new-group-members").value.split(",").map((m) => m.trim()).filter(Boolean);
  try {
    const { groupId } = await api.createGroup(session, $("new-group-name").value.trim(), members);
    $("new-group-name").value = "";
    $("new-group-members").value = "";
    $("new-group").open = false;
    store.chat("group", groupId).title = groupId;
    await refreshGroups();
    openChat(`group:${groupId}`);
  } catch (error) {
    $("new-group-error").textContent = error.message;
  }
});

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("composer-input").value;
  if (!text.trim() || !openKey) return;
  $("composer-input").value = "";
  send(text);
});

const saved = JSON.parse(localStorage.getItem(sessionKey) ?? "null");
if (saved?.user && saved?.accesskey) start(saved);
else view.showLogin();
