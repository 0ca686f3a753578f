// The connection for when WebSockets are refused (a proxy that will not upgrade): a
// Server-Sent Events stream for what arrives (GET /v1.0/events, credentials as cookies,
// as for the socket) and REST for what goes (POST /v1.0/send, server acks in the answer).
// The same interface as Connection, so the page does not care which it has. EventSource
// reconnects by itself after a drop, but not after an error answer (the proxy's 503 while
// the gateway restarts): then a new stream is opened after a pause. The server
// redelivers what was not acked.

import { parseFrame } from "./frames.js";

export class EventStreamConnection {
  constructor(url, { post, onOpen, onFrame, onState }) {
    this.url = url;
    this.post = post;
    this.handlers = { onOpen, onFrame, onState };
    this.source = null;
    this.retryTimer = null;
    this.pause = EventStreamConnection.firstPause;
  }

  static firstPause = 500;
  static longestPause = 10_000;

  start() {
    this.handlers.onState("connecting");
    const source = new EventSource(this.url);
    this.source = source;
    source.onopen = () => {
      this.pause = EventStreamConnection.firstPause;
      this.handlers.onState("online");
      this.handlers.onOpen();
    };
    source.addEventListener("message", (event) => {
      const frame = parseFrame(event.data);
      if (frame) this.handlers.onFrame(frame);
    });
    source.onerror = () => {
      if (source.readyState === EventSource.OPEN) return;
      this.handlers.onState("offline");
      if (source.readyState !== EventSource.CLOSED || this.source !== source) return;
      this.retryTimer = setTimeout(() => {
        if (this.source === source) this.start();
      }, this.pause);
      this.pause = Math.min(this.pause * 2, EventStreamConnection.longestPause);
    };
  }

  stop() {
    clearTimeout(this.retryTimer);
    this.source?.close();
    this.source = null;
  }

  get isOpen() {
    return this.source?.readyState === EventSource.OPEN;
  }

  get transport() {
    return "events";
  }

  // True when the frame went out: the REST call runs on, and its server acks come back
  // as frames, as they would on a socket.
  send(frame) {
    if (!this.isOpen) return false;
    this.post([frame])
      .then((acks) => acks.forEach((ack) => this.handlers.onFrame(ack)))
      .catch(() => this.handlers.onState("offline"));
    return true;
  }
}
