// One WebSocket to the gateway that comes back by itself: after a close it reconnects
// with a growing pause (0.5 s doubling up to 10 s), and at once when the browser says
// the network is back. Credentials travel as the `user` and `accesskey` cookies, since a
// browser cannot set headers on a WebSocket.

import { parseFrame } from "./frames.js";

const firstPause = 500;
const longestPause = 10_000;
const keepAliveEvery = 25_000;

export class Connection {
  constructor(url, { onOpen, onFrame, onState, onRefused }) {
    this.url = url;
    this.handlers = { onOpen, onFrame, onState, onRefused };
    this.socket = null;
    this.pause = firstPause;
    this.retryTimer = null;
    this.keepAlive = null;
    this.stopped = false;
    this.reconnectNow = () => {
      if (!this.socket) this.connect();
    };
  }

  start() {
    window.addEventListener("online", this.reconnectNow);
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener("online", this.reconnectNow);
    clearTimeout(this.retryTimer);
    clearInterval(this.keepAlive);
    this.socket?.close(1000);
    this.socket = null;
  }

  get isOpen() {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  get transport() {
    return "socket";
  }

  // True when the frame was written to an open socket.
  send(frame) {
    if (!this.isOpen) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  connect() {
    clearTimeout(this.retryTimer);
    if (this.stopped) return;
    this.handlers.onState("connecting");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.pause = firstPause;
      this.handlers.onState("online");
      this.keepAlive = setInterval(() => socket.send("ping"), keepAliveEvery);
      this.handlers.onOpen();
    };
    socket.onmessage = (event) => {
      if (event.data === "pong") return;
      const frame = parseFrame(event.data);
      if (frame) this.handlers.onFrame(frame);
    };
    socket.onclose = () => {
      clearInterval(this.keepAlive);
      if (this.socket === socket) this.socket = null;
      if (this.stopped) return;
      // A socket refused before opening may mean the key is gone (401 before the
      // upgrade); the page checks the key and logs out if so.
      if (!opened) this.handlers.onRefused?.();
      this.handlers.onState("offline");
      this.retryTimer = setTimeout(() => this.connect(), this.pause);
      this.pause = Math.min(this.pause * 2, longestPause);
    };
  }
}
