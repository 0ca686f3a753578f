// The logged-in user's chats and the state of each message, kept in localStorage so a
// reload shows the history and sends again what the server never acknowledged.

// Outgoing states only move forward: pending (no socket yet) -> sent (written to the
// socket) -> acked (the server stored it: SERVER_ACK) -> delivered (the recipient's receipt).
const order = ["pending", "sent", "acked", "delivered"];

export class Store {
  constructor(user, storage = window.localStorage) {
    this.user = user;
    this.storage = storage;
    this.key = `vartalap.chats.${user}`;
    this.chats = JSON.parse(storage.getItem(this.key) ?? "{}");
    this.listeners = new Set();
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  changed() {
    this.storage.setItem(this.key, JSON.stringify(this.chats));
    for (const listener of this.listeners) listener();
  }

  static chatKey(kind, id) {
    return `${kind}:${id}`;
  }

  chat(kind, id) {
    const key = Store.chatKey(kind, id);
    this.chats[key] ??= { key, kind, id, title: id, messages: [], unread: 0 };
    return this.chats[key];
  }

  sortedChats() {
    const last = (chat) => chat.messages.at(-1)?.at ?? 0;
    return Object.values(this.chats).sort((a, b) => last(b) - last(a) || a.title.localeCompare(b.title));
  }

  // Group names and the groups this user belongs to, from GET /groups.
  setGroups(groups) {
    for (const group of groups) this.chat("group", group.groupId).title = group.name || group.groupId;
    this.changed();
  }

  addOutgoing(kind, to, message) {
    this.chat(kind, to).messages.push({ ...message, direction: "out", state: "pending" });
    this.changed();
  }

  // False for a message already shown: delivery is at-least-once, a copy repeats its id.
  // `attachment`: the file the message names ({fileId, name, contentType, size}), if any.
  addIncoming({ chatKind, chatId, id, from, text, at, attachment }, isOpen) {
    const chat = this.chat(chatKind, chatId);
    if (chat.messages.some((m) => m.direction === "in" && m.id === id && m.from === from)) return false;
    chat.messages.push({ id, from, text, at, direction: "in", ...(attachment ? { attachment } : {}) });
    if (!isOpen) chat.unread += 1;
    this.changed();
    return true;
  }

  // Earlier messages from the server's history (GET /conversations/{id}/messages), merged
  // in time order; ones already shown are skipped, as copies of a delivery are.
  addHistory(chatKind, chatId, events) {
    const chat = this.chat(chatKind, chatId);
    for (const event of events) {
      const direction = event.from === this.user ? "out" : "in";
      if (chat.messages.some((m) => m.id === event.id && (m.from ?? this.user) === event.from)) continue;
      const { id, from, text, at, attachment } = event;
      const message = { id, from, text, at, direction, ...(attachment ? { attachment } : {}) };
      chat.messages.push(direction === "out" ? { ...message, state: "acked" } : message);
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
      const message = chat.messages.find((m) => m.direction === "out" && m.id === id);
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
