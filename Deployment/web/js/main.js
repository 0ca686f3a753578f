// Wires the page: login, the socket, and what each incoming frame does to the store.
import * as api from "./api.js";
import * as attachments from "./attachments.js";
import { Connection } from "./connection.js";
import { EventStreamConnection } from "./events.js";
import { chatMessage, classify, clientAck, isPageId, newId, receiptFor, threadParts } from "./frames.js";
import { Store } from "./store.js";
import * as view from "./view.js";

const sessionKey = "vartalap.session";
const $ = (id) => document.getElementById(id);

let session = null;
let store = null;
let connection = null;
let openKey = null;
// Sockets in a row that were refused before they opened while the key was good: after
// two, WebSockets are taken for blocked and the page uses the event stream instead.
let refusedSockets = 0;
// Per chat key, where its history was read to in this page: {next} once the newest page
// was read (next: the cursor of the older page, null at the start), {loading} meanwhile.
// Kept out of the saved store, so every page load reads each chat's newest page again:
// messages another device of this user took in the meantime never reach this one's socket.
const history = new Map();

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
  view.renderConversation(store, openKey, openChat);
}

// Opens a chat, or a page's inbox ("inbox:<page id>", read again from the server).
function openChat(key) {
  openKey = key;
  view.showFound(null);
  // An agent opening a thread from the inbox that this browser has no message of yet.
  if (key.startsWith("thread:")) store.chat("thread", key.slice("thread:".length));
  $("composer-error").textContent = "";
  $("page-error").textContent = "";
  $("thread-error").textContent = "";
  store.markRead(key);
  render();
  if (key.startsWith("inbox:")) {
    loadInbox(key.slice("inbox:".length));
    return;
  }
  $("composer-input").focus();
  if (!history.has(key)) loadHistory(key);
}

// Per chat key, the read of its history under way: whoever asks meanwhile waits for it.
const historyReads = new Map();

function loadHistory(key) {
  if (!historyReads.has(key)) historyReads.set(key, readHistoryPage(key).finally(() => historyReads.delete(key)));
  return historyReads.get(key);
}

// The newest page of a chat's history when it opens, then older pages as the list is
// scrolled to its top. A server that keeps no history answers 404: nothing to show.
async function readHistoryPage(key) {
  const chat = store.chats[key];
  const position = history.get(key);
  if (!chat || position?.loading || position?.next === null) return;
  history.set(key, { ...position, loading: true });
  try {
    // An agent's thread is read from the page's inbox; any other chat is a conversation.
    const { pageId, user } = chat.kind === "thread" ? threadParts(chat.id) : {};
    const page = chat.kind === "thread"
      ? await api.threadMessages(session, pageId, user, position?.next)
      : await api.conversationMessages(session, chat.id, position?.next);
    const events = page.messages.map((message) => classify(message, session.user));
    store.addHistory(chat.kind, chat.id, events.filter((event) => event.kind === "message"));
    history.set(key, { next: page.next });
  } catch (error) {
    // 404: no history here (or not of this group): nothing more to read. Else: try again later.
    if (error.status === 404) history.set(key, { next: null });
    else if (position) history.set(key, position);
    else history.delete(key);
  }
}

// The conversations the server remembers, so a new device lists its chats at once.
async function loadConversations() {
  try {
    const { conversations } = await api.conversations(session);
    for (const conversation of conversations) {
      if (!["user", "group", "page"].includes(conversation.type)) continue;
      const event = classify(conversation.lastMessage, session.user);
      if (event.kind === "message") store.addHistory(conversation.type, conversation.id, [event]);
      // A page this browser has not seen (written to from another device): its name.
      if (conversation.type === "page" && !store.pages[conversation.id]) learnPage(conversation.id);
    }
  } catch {
    // No history on this server, or not now: the chats come as messages do.
  }
}

function start(value) {
  saveSession(value);
  view.setAttachmentURLs((fileId) => attachments.downloadURL(session, fileId));
  store = new Store(session.user);
  store.onChange(render);
  openKey = null;
  view.showChats(session.user);
  render();
  refreshGroups();
  loadConversations();
  for (const id of Object.keys(store.pages)) refreshPage(id).catch(() => {});
  refusedSockets = 0;
  connection = new Connection(api.socketURL(), {
    onOpen: () => {
      refusedSockets = 0;
      flushOutbox();
    },
    onFrame: handleFrame,
    onState: (state) => view.showConnectionState(state, "socket"),
    onRefused: socketRefused,
  });
  connection.start();
}

async function socketRefused() {
  refusedSockets += 1;
  if (!(await checkKey()) || refusedSockets < 2 || connection?.transport !== "socket") return;
  connection.stop();
  connection = new EventStreamConnection(api.eventsURL(), {
    post: (frames) => api.sendFrames(session, frames),
    onOpen: flushOutbox,
    onFrame: handleFrame,
    onState: (state) => view.showConnectionState(state, "events"),
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
// True when the key is good.
async function checkKey() {
  try {
    await api.profile(session);
    return true;
  } catch (error) {
    if (error.status === 401) stop("Your session ended, please log in again.");
    return false;
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
    const { id, to, kind, text, at, attachment } = message;
    const frame = chatMessage({ id, from: session.user, to, kind, text, at, attachment });
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
      // A group this page has not heard of (joined while away): fetch its name. The same
      // for a page (an agent added by someone else sees its inbox at its first message).
      if (isNew && event.chatKind === "group" && store.chats[key].title === event.chatId) refreshGroups();
      if (isNew && event.pageId && !store.pages[event.pageId]) learnPage(event.pageId);
      connection.send(receiptFor(event, session.user));
      break;
    }
    case "notification":
      connection.send(clientAck(frame.id, session.user));
      break;
    default:
      break;
  }
}

// A message to the chat `key` (the open one unless said); `attachment` for a picture,
// uploaded beforehand.
function send(text, attachment, key = openKey) {
  if (!store.chats[key]) return;
  const [kind, ...rest] = key.split(":");
  const to = rest.join(":");
  const message = { id: newId(), from: session.user, text, at: Date.now(), ...(attachment ? { attachment } : {}) };
  store.addOutgoing(kind, to, message);
  if (connection.send(chatMessage({ ...message, to, kind }))) store.advance(message.id, "sent");
}

// Pages (PROTOCOL.md "Pages"). No route lists the pages of a user, so the store keeps the
// ones this browser opened or made; each is read again at start.
async function refreshPage(id) {
  const current = store;
  try {
    const page = await api.page(session, id);
    if (store !== current) return;
    store.setPage(page);
    if (store.pages[id].agent) await loadInbox(id);
  } catch (error) {
    if (store !== current) return;
    if (error.status === 401) stop("Your session ended, please log in again.");
    if (error.status === 404) store.forgetPage(id);
    throw error;
  }
}

// Search (PROTOCOL.md "Search"): {q, results, next} of the last search, or null.
let found = null;

function renderSearch() {
  view.renderSearchResults(store, found, (result) => openAt(result), () => searchMessages(found.q, found.next));
}

// Searches `q` (from `before`, for more results). A page of results may be empty while
// more follow, so a few are read until one holds something.
async function searchMessages(q, before = null) {
  const current = store;
  $("search-error").textContent = "";
  try {
    const results = [];
    let next = before;
    for (let asked = 0; asked < 10; asked += 1) {
      const page = await api.search(session, q, next);
      results.push(...page.results.map(searchResult).filter(Boolean));
      next = page.next;
      if (results.length > 0 || !next) break;
    }
    if (store !== current) return;
    found = { q, results: before && found?.q === q ? [...found.results, ...results] : results, next };
  } catch (error) {
    if (store !== current) return;
    if (error.status === 401) stop("Your session ended, please log in again.");
    $("search-error").textContent = error.status === 404 ? "This server keeps no history to search." : `Search failed: ${error.message}`;
  }
  renderSearch();
}

function searchResult({ message }) {
  const event = classify(message, session.user);
  if (event.kind !== "message") return null;
  const { chatKind, chatId, id, from, text } = event;
  return { key: Store.chatKey(chatKind, chatId), chatKind, chatId, id, from, text };
}

// Opens a result's chat at its message: older pages of the chat's history are read until
// the message is among them, then it is marked and scrolled to.
async function openAt(result) {
  const { key, chatKind, chatId, id } = result;
  store.chat(chatKind, chatId);
  openChat(key);
  view.showFound(id);
  const has = () => store.chats[key]?.messages.some((message) => message.id === id);
  while (openKey === key && !has()) {
    const before = history.get(key)?.next;
    await loadHistory(key);
    const after = history.get(key);
    // Read to the start, or the read failed: the message is not there to show.
    if (!after || after.next === null || after.next === before) break;
  }
  if (openKey === key) render();
}

// A page known only by a message or a conversation: read once.
const learning = new Set();

function learnPage(id) {
  if (learning.has(id)) return;
  learning.add(id);
  refreshPage(id).catch(() => {}).finally(() => learning.delete(id));
}

// Opened by its id: its inbox for its agents, a chat with it for anyone else.
async function openPage(id) {
  try {
    await refreshPage(id);
  } catch (error) {
    $("new-chat-error").textContent = error.status === 404 ? `There is no page ${id}.` : error.message;
    return;
  }
  if (!store.pages[id]) return;
  if (store.pages[id].agent) {
    openChat(`inbox:${id}`);
  } else {
    store.chat("page", id);
    openChat(`page:${id}`);
  }
}

async function loadInbox(pageId) {
  const current = store;
  try {
    const { threads } = await api.pageThreads(session, pageId);
    if (store === current) store.setThreads(pageId, threads);
  } catch (error) {
    if (store !== current) return;
    if (openKey === `inbox:${pageId}`) $("page-error").textContent = `The inbox could not be read: ${error.message}`;
    if (error.status === 401) stop("Your session ended, please log in again.");
  }
}

// A picture picked in the composer: uploaded, then sent to the chat that was open when it
// was picked. What goes wrong is shown under the composer.
let uploading = 0;

async function sendPicture(file) {
  const key = openKey;
  const user = session.user;
  $("composer-error").textContent = "";
  uploading += 1;
  showUploads(`sending picture ${file.name}…`);
  try {
    const attachment = await attachments.uploadImage(session, file);
    // Logged out (or in as someone else) meanwhile: nothing to send it from.
    if (session?.user === user && store) send("", attachment, key);
  } catch (error) {
    $("composer-error").textContent = `The picture ${file.name} was not sent: ${error.message}`;
    if (error.status === 401) stop("Your session ended, please log in again.");
  } finally {
    uploading -= 1;
    showUploads();
  }
}

function showUploads(text) {
  const status = $("composer-status");
  if (text) status.textContent = text;
  else if (uploading === 0) status.textContent = "";
  status.hidden = !status.textContent;
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
  $("new-chat-error").textContent = "";
  const user = $("new-chat-input").value.trim();
  if (!user || user === session.user) return;
  $("new-chat-input").value = "";
  if (isPageId(user)) {
    openPage(user);
    return;
  }
  store.chat("user", user);
  openChat(`user:${user}`);
});

$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const q = $("search-input").value.trim();
  if (q) searchMessages(q);
});

// The box emptied (its clear button, or by hand): the results go.
$("search-input").addEventListener("input", () => {
  if ($("search-input").value.trim()) return;
  found = null;
  $("search-error").textContent = "";
  renderSearch();
});

$("new-page-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("new-page-error").textContent = "";
  try {
    const page = await api.createPage(session, $("new-page-name").value.trim());
    $("new-page-name").value = "";
    $("new-page").open = false;
    store.setPage(page);
    openChat(`inbox:${page.id}`);
  } catch (error) {
    $("new-page-error").textContent = error.message;
  }
});

$("add-agent-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("page-error").textContent = "";
  const pageId = $("page-panel").dataset.page;
  const username = $("add-agent-input").value.trim();
  try {
    store.setPage(await api.addAgents(session, pageId, [username], "moderator"));
    $("add-agent-input").value = "";
  } catch (error) {
    $("page-error").textContent = `${username} was not added: ${error.message}`;
  }
});

$("inbox-refresh").addEventListener("click", () => loadInbox($("page-panel").dataset.page));

$("thread-back").addEventListener("click", () => openChat(`inbox:${$("thread-tools").dataset.page}`));

$("thread-tools").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("thread-error").textContent = "";
  const { page, user } = $("thread-tools").dataset;
  const assignee = $("assign-select").value || null;
  try {
    const thread = await api.assignThread(session, page, user, assignee);
    if (thread?.user === user) store.setThread(page, thread);
    else await loadInbox(page);
  } catch (error) {
    $("thread-error").textContent = `The thread was not assigned: ${error.message}`;
  }
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

$("composer-file").addEventListener("change", () => {
  const input = $("composer-file");
  const files = [...input.files];
  // Emptied, so picking the same file again is a change too.
  input.value = "";
  if (!store.chats[openKey]) return;
  for (const file of files) sendPicture(file);
});

$("messages").addEventListener("scroll", () => {
  if (openKey && $("messages").scrollTop < 40) loadHistory(openKey);
});

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("composer-input").value;
  if (!text.trim() || !store.chats[openKey]) return;
  $("composer-input").value = "";
  send(text);
});

const saved = JSON.parse(localStorage.getItem(sessionKey) ?? "null");
if (saved?.user && saved?.accesskey) start(saved);
else view.showLogin();
