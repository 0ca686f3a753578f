// The logged-in user's chats and the state of each message, kept in localStorage so a
// reload shows the history and sends again what the server never acknowledged; and the
// pages this user opened or made, with the inboxes of those they answer.
import { threadId, threadParts } from "./frames.js";

// Outgoing states only move forward: pending (no socket yet) -> sent (written to the
// socket) -> acked (the server stored it: SERVER_ACK) -> delivered (the recipient's receipt).
const order = ["pending", "sent", "acked", "delivered"];

export class Store {
  constructor(user, storage = window.localStorage) {
    this.user = user;
    this.storage = storage;
    this.key = `vartalap.chats.${user}`;
    this.chats = JSON.parse(storage.getItem(this.key) ?? "{}");
    // Page id -> {id, name, agent, admin, agents}: kept, since no route lists a user's pages.
    this.pagesKey = `vartalap.pages.${user}`;
    this.pages = JSON.parse(storage.getItem(this.pagesKey) ?? "{}");
    // Page id -> {user -> thread as GET /pages/{id}/threads lists it}; read again on opening.
    this.threads = {};
    this.listeners = new Set();
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  changed() {
    this.storage.setItem(this.key, JSON.stringify(this.chats));
    this.storage.setItem(this.pagesKey, JSON.stringify(this.pages));
    for (const listener of this.listeners) listener();
  }

  static chatKey(kind, id) {
    return `${kind}:${id}`;
  }

  chat(kind, id) {
    const key = Store.chatKey(kind, id);
    // A thread is titled by its user.
    this.chats[key] ??= { key, kind, id, title: kind === "thread" ? threadParts(id).user : id, messages: [], unread: 0 };
    return this.chats[key];
  }

  // The chats listed in the sidebar: an agent's threads are listed in their page's inbox.
  sortedChats() {
    const last = (chat) => chat.messages.at(-1)?.at ?? 0;
    return Object.values(this.chats).filter((chat) => chat.kind !== "thread").sort((a, b) => last(b) - last(a) || a.title.localeCompare(b.title));
  }

  // Group names and the groups this user belongs to, from GET /groups.
  setGroups(groups) {
    for (const group of groups) this.chat("group", group.groupId).title = group.name || group.groupId;
    this.changed();
  }

  // A page as GET /pages/{id} answers it (its agents see the agents too).
  setPage(page) {
    const admins = Array.isArray(page.admins) ? page.admins : [];
    const agents = [...admins, ...(Array.isArray(page.moderators) ? page.moderators : [])];
    const agent = agents.includes(this.user);
    const name = page.name || page.id;
    this.pages[page.id] = { id: page.id, name, agent, admin: admins.includes(this.user), agents: agent ? agents : [] };
    if (!agent || this.chats[Store.chatKey("page", page.id)]) this.chat("page", page.id).title = name;
    this.changed();
  }

  forgetPage(id) {
    delete this.pages[id];
    delete this.threads[id];
    this.changed();
  }

  agentPages() {
    return Object.values(this.pages).filter((page) => page.agent).sort((a, b) => a.name.localeCompare(b.name));
  }

  setThreads(pageId, threads) {
    this.threads[pageId] = Object.fromEntries(threads.map((thread) => [thread.user, thread]));
    this.changed();
  }

  setThread(pageId, thread) {
    (this.threads[pageId] ??= {})[thread.user] = thread;
    this.changed();
  }

  // A page's inbox, the most recently active thread first: the server's list, each thread
  // brought up to date by the messages this page has seen in it since (live or from its
  // history), so a message that arrives while the list is read is not lost from it.
  inbox(pageId) {
    const listed = this.threads[pageId] ?? {};
    const users = new Set(Object.keys(listed));
    for (const chat of Object.values(this.chats)) {
      if (chat.kind !== "thread" || !chat.messages.length) continue;
      const parts = threadParts(chat.id);
      if (parts.pageId === pageId) users.add(parts.user);
    }
    return [...users]
      .map((user) => {
        const server = listed[user];
        const chat = this.chats[Store.chatKey("thread", threadId(pageId, user))];
        const last = chat?.messages.filter((m) => m.state !== "failed").at(-1);
        const serverAt = Number(server?.lastMessage?.meta?.createdAt) || server?.updatedAt || 0;
        const thread = {
          user,
          assignee: server?.assignee ?? null,
          unanswered: Boolean(server?.unanswered),
          text: preview(server?.lastMessage),
          at: server?.updatedAt ?? 0,
        };
        if (last && (!server || (last.id !== server.lastMessage?.id && last.at > serverAt))) {
          Object.assign(thread, { unanswered: last.from === user, text: last.text || (last.attachment ? "picture" : ""), at: Math.max(thread.at, last.at) });
        }
        return thread;
      })
      .sort((a, b) => b.at - a.at || a.user.localeCompare(b.user));
  }

  unanswered(pageId) {
    return this.inbox(pageId).filter((thread) => thread.unanswered).length;
  }

  addOutgoing(kind, to, message) {
    this.chat(kind, to).messages.push({ ...message, direction: "out", state: "pending" });
    this.changed();
  }

  // False for a message already shown: delivery is at-least-once, a copy repeats its id.
  // `attachment`: the file the message names ({fileId, name, contentType, size}), if any;
  // `sender`: who is shown as its sender; `direction`: "out" for another agent's answer in
  // a thread (the page's side), else "in".
  addIncoming({ chatKind, chatId, id, from, text, at, attachment, sender, direction = "in" }, isOpen) {
    const chat = this.chat(chatKind, chatId);
    if (chat.messages.some((m) => m.id === id && (m.from ?? this.user) === from)) return false;
    chat.messages.push({ id, from, text, at, direction, ...extras({ attachment, sender }) });
    if (!isOpen && direction === "in") chat.unread += 1;
    this.changed();
    return true;
  }

  // Earlier messages from the server's history (GET /conversations/{id}/messages), merged
  // in time order; ones already shown are skipped, as copies of a delivery are.
  addHistory(chatKind, chatId, events) {
    const chat = this.chat(chatKind, chatId);
    for (const event of events) {
      const mine = event.from === this.user;
      const direction = mine ? "out" : event.direction ?? "in";
      if (chat.messages.some((m) => m.id === event.id && (m.from ?? this.user) === event.from)) continue;
      const { id, from, text, at, attachment, sender } = event;
      const message = { id, from, text, at, direction, ...extras({ attachment, sender }) };
      chat.messages.push(mine ? { ...message, state: "acked" } : message);
    }
    chat.messages.sort((a, b) => a.at - b.at);
    this.changed();
  }

  markRead(key) {
    if (this.chats[key]?.unread) {
      this.chats[key].unread = 0;
      this.changed();
    }
  }

  outgoing(id) {
    for (const chat of Object.values(this.chats)) {
      // Not another agent's answer in a thread, which is on the same side.
      const message = chat.messages.find((m) => m.direction === "out" && m.id === id && (m.from ?? this.user) === this.user);
      if (message) return message;
    }
    return undefined;
  }

  advance(id, state) {
    const message = this.outgoing(id);
    if (!message || message.state === "failed" || order.indexOf(state) <= order.indexOf(message.state)) return;
    message.state = state;
    delete message.error;
    this.changed();
  }

  fail(id, error) {
    const message = this.outgoing(id);
    if (!message || message.state === "acked" || message.state === "delivered") return;
    message.state = "failed";
    message.error = error;
    this.changed();
  }

  // Outgoing messages the server has not acknowledged, oldest first: sent again (same id,
  // so the recipient never sees two) whenever a socket opens.
  unacknowledged() {
    return Object.values(this.chats)
      .flatMap((chat) => chat.messages.map((m) => ({ ...m, kind: chat.kind, to: chat.id })))
      .filter((m) => m.direction === "out" && (m.state === "pending" || m.state === "sent"))
      .sort((a, b) => a.at - b.at);
  }
}

function extras({ attachment, sender }) {
  return { ...(attachment ? { attachment } : {}), ...(sender ? { sender } : {}) };
}

// A thread's last message in a line of the inbox.
function preview(message) {
  const body = message?.body ?? {};
  if (typeof body.text === "string" && body.text) return body.text;
  return body.fileId ? "picture" : "";
}
