"""The web client (Deployment/web) in a real headless Chromium, as two people use it:
both log in and chat both ways, send each other pictures through the real object store,
one is away while the other writes, the gateway dies and the pages reconnect by
themselves, and a group chat."""

import base64
import json
import os
import struct
import tempfile
import time
import uuid
import zlib
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import support

WAIT_SECONDS = 40
# Selenium must use Debian's chromium and chromedriver, never download its own.
os.environ["SE_OFFLINE"] = "true"


class Person:
    """One browser with its own profile (so its own localStorage and cookies)."""

    def __init__(self, name, exact=False):
        """`exact`: log in as `name` itself (another device of someone), not a new user."""
        self.name = name if exact else support.unique_user(name)
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,800"]:
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.profile = tempfile.TemporaryDirectory(prefix="vartalap-browser-")
        options.add_argument(f"--user-data-dir={self.profile.name}")
        self.driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
        self.driver.set_page_load_timeout(WAIT_SECONDS)
        self.driver.set_script_timeout(WAIT_SECONDS)

    def wait(self, what, condition):
        try:
            return WebDriverWait(self.driver, WAIT_SECONDS, poll_frequency=0.1).until(lambda _: condition())
        except TimeoutException:
            # The page's address and title tell a browser error page (Chromium refuses some
            # ports outright, 10080 among them) from a slow one.
            raise AssertionError(
                f"{self.name}: timed out waiting until {what} "
                f"(page {self.driver.current_url!r}, title {self.driver.title!r})"
            ) from None

    def find(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def visible(self, element_id):
        return self.driver.find_element(By.ID, element_id).is_displayed()

    def open_site(self):
        self.driver.get(support.site_url())

    def log_in(self):
        self.open_site()
        self.wait("the login form shows", lambda: self.visible("login-username"))
        self.driver.find_element(By.ID, "login-username").send_keys(self.name)
        self.driver.find_element(By.ID, "login-button").click()
        self.wait("logged in", lambda: self.visible("chat-view"))
        self.wait_online()

    def connection_state(self):
        return self.driver.find_element(By.ID, "connection-state").get_attribute("data-state")

    def scroll_to_top(self):
        self.driver.execute_script(
            "const list = document.getElementById('messages'); list.scrollTop = 0; list.dispatchEvent(new Event('scroll'));")

    def transport(self):
        return self.driver.find_element(By.ID, "connection-state").get_attribute("data-transport")

    def refuse_websockets(self):
        """Every WebSocket this page opens fails before it opens, as behind a proxy that
        will not upgrade. Done in the page (Chromium's request blocking does not cover
        WebSocket handshakes): its WebSocket closes at once with 1006; the event stream and
        REST calls it falls back to are real."""
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
            window.WebSocket = class RefusedWebSocket extends EventTarget {
                static CONNECTING = 0; static OPEN = 1; static CLOSING = 2; static CLOSED = 3;
                constructor(url) {
                    super();
                    this.url = url;
                    this.readyState = 0;
                    setTimeout(() => {
                        this.readyState = 3;
                        this.onerror?.(new Event("error"));
                        this.onclose?.(new CloseEvent("close", { code: 1006 }));
                    }, 20);
                }
                send() { throw new DOMException("not open", "InvalidStateError"); }
                close() {}
            };"""})

    def wait_online(self):
        self.wait("the socket is online", lambda: self.connection_state() == "online")

    def open_chat(self, other):
        field = self.driver.find_element(By.ID, "new-chat-input")
        field.send_keys(other.name)
        self.driver.find_element(By.ID, "new-chat-button").click()
        self.wait(f"the chat with {other.name} is open", lambda: self.visible("composer"))

    def select_chat(self, key):
        self.wait(f"{key} is listed", lambda: self.find(f'#chat-list li[data-chat="{key}"]'))
        self.driver.execute_script(f'document.querySelector(`#chat-list li[data-chat="{key}"]`).click();')

    def send(self, text):
        self.driver.find_element(By.ID, "composer-input").send_keys(text)
        self.driver.find_element(By.ID, "composer-send").click()
        return self.wait(f"'{text}' is shown", lambda: self.message_with(text, "out"))

    def attach(self, path):
        """Picks a file in the composer's file picker, as a person choosing it would."""
        self.driver.find_element(By.ID, "composer-file").send_keys(str(Path(path).resolve()))

    def picture(self, name, direction):
        """The shown picture named `name` (the file's name, the image's alt text): its
        message id, state, image source, natural size and the link around it; or None."""
        return self.driver.execute_script(
            """const [name, direction] = arguments;
            const item = [...document.querySelectorAll(`#messages li.message[data-direction="${direction}"]`)]
                .find((li) => li.querySelector("img.attachment-image")?.alt === name);
            if (!item) return null;
            const image = item.querySelector("img.attachment-image");
            return {
                id: item.dataset.id,
                fileId: item.querySelector(".attachment").dataset.fileId,
                state: item.querySelector(".attachment").dataset.state,
                src: image.src,
                href: item.querySelector("a.attachment-link")?.href ?? null,
                target: item.querySelector("a.attachment-link")?.target ?? null,
                loaded: image.complete && image.naturalWidth > 0,
                width: image.naturalWidth,
                height: image.naturalHeight,
            };""",
            name, direction)

    def wait_picture(self, name, direction):
        """Waits until the picture is shown and its image has loaded; returns picture()."""
        self.wait(f"the picture {name} ({direction}) has loaded",
                  lambda: (self.picture(name, direction) or {}).get("loaded"))
        return self.picture(name, direction)

    def fetch_base64(self, url):
        """The bytes at `url` as the page gets them (its origin, its CSP), in base64."""
        return self.driver.execute_async_script(
            """const [url, done] = arguments;
            fetch(url)
                .then((response) => response.ok ? response.arrayBuffer() : Promise.reject(new Error(`status ${response.status}`)))
                .then((buffer) => {
                    let text = "";
                    for (const byte of new Uint8Array(buffer)) text += String.fromCharCode(byte);
                    done(btoa(text));
                }, (error) => done(`fetch failed: ${error.message}`));""",
            url)

    def composer_error(self):
        node = self.driver.find_element(By.ID, "composer-error")
        return node.text if node.is_displayed() else ""

    def message_with(self, text, direction):
        """The id of the shown message with this text, or None. Read in one script: the
        list is redrawn on every change, so element handles would go stale."""
        return self.driver.execute_script(
            """const [text, direction] = arguments;
            const item = [...document.querySelectorAll(`#messages li.message[data-direction="${direction}"]`)]
                .find((li) => li.querySelector(".text").textContent === text);
            return item ? item.dataset.id : null;""",
            text, direction)

    def sender_of(self, text):
        return self.driver.execute_script(
            """const item = [...document.querySelectorAll('#messages li.message[data-direction="in"]')]
                .find((li) => li.querySelector(".text").textContent === arguments[0]);
            return item?.querySelector(".sender")?.textContent ?? null;""",
            text)

    def state_of(self, message_id):
        return self.driver.execute_script(
            "return document.querySelector(`#messages li.message[data-id=\"${arguments[0]}\"]`)?.dataset.state ?? null;",
            message_id)

    def wait_state(self, message_id, state):
        self.wait(f"message {message_id} is {state}", lambda: self.state_of(message_id) == state)

    def wait_server_acked(self, message_id):
        """The server took it: "acked", or already "delivered" when the recipient acked it
        before the page was looked at again."""
        self.wait(f"message {message_id} is acked", lambda: self.state_of(message_id) in ("acked", "delivered"))

    def wait_received(self, text):
        self.wait(f"'{text}' arrived", lambda: self.message_with(text, "in"))

    def click_chat(self, title_part):
        """Opens the listed chat whose entry contains `title_part`; False while none does."""
        return self.driver.execute_script(
            """const item = [...document.querySelectorAll("#chat-list li")].find((li) => li.textContent.includes(arguments[0]));
            item?.click();
            return Boolean(item);""",
            title_part)

    def report(self):
        """What the page said, for a failed check."""
        try:
            for entry in self.driver.get_log("browser"):
                print(f"  [{self.name} console] {entry.get('level')} {entry.get('message')}")
            shot = Path(os.environ.get("VARTALAP_TEST_STACK_DIR", tempfile.gettempdir())) / "logs" / f"web-{self.name}.png"
            self.driver.save_screenshot(str(shot))
            print(f"  [{self.name}] screenshot {shot}")
        except Exception as error:  # the report must not hide the original failure
            print(f"  [{self.name}] no report: {error}")

    def quit(self):
        self.driver.quit()
        self.profile.cleanup()


def png(path, width, height, seed):
    """Writes a valid RGB PNG of width x height, its pixels made from `seed`; returns its bytes."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + b"".join(bytes(((x * 16 + seed) % 256, (y * 16 + seed * 3) % 256, (seed * 40) % 256)) for x in range(width))
        for y in range(height))
    data = (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))
    Path(path).write_bytes(data)
    return data


def picture_arrives(sender, recipient, path, data, size):
    """`sender` picks the PNG at `path`; both pages show it loaded from the store, with the
    bytes that were uploaded, and a click on the recipient's opens it full size in a new tab."""
    name = Path(path).name
    expected = base64.b64encode(data).decode()
    sender.attach(path)
    own = sender.wait_picture(name, "out")
    shown = recipient.wait_picture(name, "in")
    for person, picture in ((sender, own), (recipient, shown)):
        assert (picture["width"], picture["height"]) == size, f"{person.name}: the picture is {picture['width']}x{picture['height']}, not {size}"
        assert picture["src"].startswith(support.site_url()) and picture["fileId"] in picture["src"], \
            f"{person.name}: the picture is its file's presigned URL on this origin, not {picture['src']!r}"
        got = person.fetch_base64(picture["src"])
        assert got == expected, f"{person.name}: the picture's bytes differ from the uploaded file ({len(data)} bytes): {got[:80]!r}"
        assert picture["href"] == picture["src"] and picture["target"] == "_blank", \
            f"{person.name}: the picture links to its full size in a new tab: {picture}"
    sender.wait_state(own["id"], "delivered")
    # What went over the wire, as the history keeps it: the documented attachment message.
    key = support.login(recipient.name)
    status, page = support.request("GET", f"/conversations/{sender.name}/messages?limit=50", None, recipient.name, key)
    assert status == 200, f"history: {status} {page}"
    [message] = [m for m in page["messages"] if m.get("id") == shown["id"]]
    assert message["head"]["contentType"] == "IMAGE", f"the message is an IMAGE message: {message}"
    assert message["body"] == {"fileId": shown["fileId"], "name": name, "contentType": "image/png", "size": len(data)}, \
        f"the message body names the file: {message['body']}"
    # A click opens the full-size picture in a new tab, at the store's URL.
    before = set(recipient.driver.window_handles)
    main = recipient.driver.current_window_handle
    image = recipient.driver.find_element(
        By.CSS_SELECTOR, f'#messages li.message[data-id="{shown["id"]}"] img.attachment-image')
    image.click()
    recipient.wait("a new tab opened", lambda: set(recipient.driver.window_handles) - before)
    [tab] = set(recipient.driver.window_handles) - before
    try:
        recipient.driver.switch_to.window(tab)
        recipient.wait("the new tab shows the full-size picture", lambda: recipient.driver.current_url == shown["href"])
    finally:
        recipient.driver.close()
        recipient.driver.switch_to.window(main)
    return shown


def pictures_both_ways(alice, bob):
    with tempfile.TemporaryDirectory(prefix="vartalap-pictures-") as directory:
        from_alice = Path(directory) / f"from-{alice.name}.png"
        from_bob = Path(directory) / f"from-{bob.name}.png"
        alice_data = png(from_alice, 16, 16, seed=1)
        bob_data = png(from_bob, 24, 12, seed=7)
        picture_arrives(alice, bob, from_alice, alice_data, (16, 16))
        picture_arrives(bob, alice, from_bob, bob_data, (24, 12))
        # Another device of bob's has nothing saved: the picture comes from the history.
        other = Person(bob.name, exact=True)
        try:
            other.log_in()
            other.select_chat(f"user:{alice.name}")
            picture = other.wait_picture(from_alice.name, "in")
            assert other.fetch_base64(picture["src"]) == base64.b64encode(alice_data).decode(), \
                "the picture from the history has the uploaded bytes"
            other.wait_picture(from_bob.name, "out")
        except Exception:
            other.report()
            raise
        finally:
            other.quit()


def refused_pictures_are_reported(alice, bob):
    with tempfile.TemporaryDirectory(prefix="vartalap-pictures-") as directory:
        # Not a picture: the page refuses it before asking the server.
        notes = Path(directory) / "notes.txt"
        notes.write_text("not a picture")
        alice.attach(notes)
        alice.wait("the page says the text file is not a picture",
                   lambda: "notes.txt" in alice.composer_error() and "not a picture" in alice.composer_error())
        # An empty PNG: media-ms refuses the upload URL (400, size must be positive).
        empty = Path(directory) / "empty.png"
        empty.write_bytes(b"")
        alice.attach(empty)
        alice.wait("the page shows the server's refusal of the empty picture",
                   lambda: "empty.png was not sent" in alice.composer_error() and "size" in alice.composer_error())
        assert alice.picture("empty.png", "out") is None, "a refused picture is not shown as sent"


def chat_both_ways(alice, bob):
    alice.open_chat(bob)
    hello = alice.send("hello bob")
    bob.select_chat(f"user:{alice.name}")
    bob.wait_received("hello bob")
    alice.wait_state(hello, "delivered")
    reply = bob.send("hi alice")
    alice.wait_received("hi alice")
    bob.wait_state(reply, "delivered")


def message_while_away(alice, bob):
    bob.driver.get("about:blank")
    away = alice.send("sent while you were away")
    alice.wait_state(away, "acked")
    # Coming back: the saved session logs in by itself and the server hands over what it kept.
    bob.open_site()
    bob.wait_online()
    bob.select_chat(f"user:{alice.name}")
    bob.wait_received("sent while you were away")
    assert bob.message_with("hello bob", "in"), "the history survived the reload"
    alice.wait_state(away, "delivered")


def reconnect_after_gateway_crash(alice, bob):
    run_dir = Path(support.environment("VARTALAP_TEST_STACK_DIR")) / "run"
    pid = int((run_dir / "ws-gateway-1.pid").read_text())
    os.kill(pid, 9)
    # The stack's supervisor restarts the gateway; the pages notice and come back.
    for person in (alice, bob):
        person.wait("the page noticed the socket closed", lambda p=person: p.connection_state() != "online")
    queued = alice.send("written during the outage")
    for person in (alice, bob):
        person.wait_online()
    bob.wait_received("written during the outage")
    alice.wait_state(queued, "delivered")


def group_chat(alice, bob):
    alice.driver.find_element(By.CSS_SELECTOR, "#new-group summary").click()
    alice.driver.find_element(By.ID, "new-group-name").send_keys("Browsers")
    alice.driver.find_element(By.ID, "new-group-members").send_keys(bob.name)
    alice.driver.find_element(By.ID, "new-group-button").click()
    alice.wait("the group chat is open", lambda: "Browsers" in alice.driver.find_element(By.ID, "conversation-title").text)
    hello = alice.send("hello group")
    bob.wait("the group is listed and opened", lambda: bob.click_chat("Browsers"))
    bob.wait_received("hello group")
    alice.wait_state(hello, "delivered")
    bob.send("hello from bob to the group")
    alice.wait_received("hello from bob to the group")
    sender = alice.sender_of("hello from bob to the group")
    assert sender == bob.name, f"the group message shows its sender, got {sender!r}"


def write_many(sender, recipient, count):
    """`count` messages from sender to recipient through REST send, newer than any before."""
    key = support.login(sender.name)
    now = int(time.time() * 1000)
    frames = [json.dumps({
        "_v": 2.1, "id": f"bulk-{uuid.uuid4().hex[:8]}-{index}",
        "head": {"type": "INDIVIDUAL", "to": recipient.name, "from": sender.name, "contentType": "TEXT", "chatid": sender.name},
        "meta": {"createdAt": now + index}, "body": {"text": f"bulk {index}"},
    }) for index in range(count)]
    status, body = support.request("POST", "/send", frames, sender.name, key)
    assert status == 201, f"REST send: {status} {body}"


def history_on_a_new_device(alice, bob):
    # 60 newer messages push the first chat's messages off the history's first page (50).
    write_many(alice, bob, 60)
    # bob on a second browser: nothing saved there, so what it shows comes from the history.
    other = Person(bob.name, exact=True)
    try:
        other.log_in()
        other.select_chat(f"user:{alice.name}")
        other.wait_received("bulk 59")
        # Scrolled to the top, the page reads the older pages.
        other.wait("the older pages load on scrolling up", lambda: other.scroll_to_top() or other.message_with("hello bob", "in"))
        other.wait_received("hello bob")
        other.wait("bob's own earlier message is shown", lambda: other.message_with("hi alice", "out"))
        other.wait_received("sent while you were away")
    except Exception:
        other.report()
        raise
    finally:
        other.quit()


def search_results(person):
    """The shown search results: their chat keys and texts, or None while none are shown."""
    return person.driver.execute_script(
        """const list = document.getElementById("search-results");
        if (list.hidden) return null;
        return [...list.querySelectorAll("li.search-result")].map((li) => ({
            chat: li.dataset.chat, text: li.querySelector(".result-text").textContent }));""")


def search(person, query):
    box = person.driver.find_element(By.ID, "search-input")
    box.clear()
    box.send_keys(query)
    person.driver.find_element(By.ID, "search-button").click()


def found_in_sight(person, text):
    """True when the open chat shows the message `text`, marked as the one searched for,
    inside the visible part of the list."""
    return person.driver.execute_script(
        """const list = document.getElementById("messages");
        const item = [...list.querySelectorAll("li.message.found")].find((li) => li.querySelector(".text").textContent === arguments[0]);
        if (!item) return false;
        const box = item.getBoundingClientRect(), view = list.getBoundingClientRect();
        return box.top >= view.top && box.bottom <= view.bottom;""",
        text)


def search_opens_the_chat_at_the_message(alice, bob):
    # A new device of bob has nothing loaded; "hello bob" is over 60 messages back in the
    # history, so opening the result must read older pages until it is there.
    other = Person(bob.name, exact=True)
    try:
        other.log_in()
        # Case, an accent and the last word as a prefix: "HELLÓ Bo" finds "hello bob".
        def hello_found():
            results = search_results(other)
            if results is None or (not results and other.find("#search-empty")):
                search(other, "HELLÓ Bo")
                return None
            return [r for r in results if r["text"] == f"{alice.name}: hello bob"]
        hits = other.wait("the search lists alice's 'hello bob'", hello_found)
        assert hits[0]["chat"] == f"user:{alice.name}", hits
        assert all("hello" in r["text"].lower() for r in search_results(other)), search_results(other)
        other.driver.execute_script(
            """[...document.querySelectorAll("#search-results li.search-result")]
                .find((li) => li.querySelector(".result-text").textContent === arguments[0]).click();""",
            f"{alice.name}: hello bob")
        other.wait("the chat opens at 'hello bob', marked and in sight", lambda: found_in_sight(other, "hello bob"))
        assert other.driver.find_element(By.ID, "conversation-title").text.endswith(alice.name)
        # A word nobody wrote: nothing found, said so.
        search(other, f"nothing{uuid.uuid4().hex}")
        other.wait("the search says nothing was found", lambda: other.find("#search-empty") and search_results(other) == [])
    except Exception:
        other.report()
        raise
    finally:
        other.quit()


def events_when_websockets_are_refused(alice, bob):
    carol = Person("carol")
    try:
        carol.refuse_websockets()
        carol.log_in()
        carol.wait("the page uses the event stream", lambda: carol.transport() == "events")
        alice.open_chat(carol)
        hello = alice.send("hello carol over events")
        carol.select_chat(f"user:{alice.name}")
        carol.wait_received("hello carol over events")
        alice.wait_state(hello, "delivered")
        reply = carol.send("hi alice, sent by REST")
        carol.wait_server_acked(reply)
        alice.wait_received("hi alice, sent by REST")
        carol.wait_state(reply, "delivered")
    except Exception:
        carol.report()
        raise
    finally:
        carol.quit()


def run_in_browsers(tally, names, log_in_description, make_steps):
    """Opens a browser for each of `names` and logs them all in, then runs the steps
    `make_steps(people)` lists, in order, until one fails (then every browser reports
    what it shows); the browsers close whatever happens."""
    people = []
    try:
        people = [Person(name) for name in names]
        if not tally.check(log_in_description, lambda: [p.log_in() for p in people]):
            return
        for description, step in make_steps(*people):
            if not tally.check(description, step):
                for person in people:
                    person.report()
                break
    finally:
        for person in people:
            person.quit()
        tally.finish()


def main():
    def steps(alice, bob):
        both = [
            ("1-to-1 both ways, each message shown as delivered", chat_both_ways),
            ("pictures both ways through the object store, shown inline with the uploaded bytes, full size on a click, and from the history",
             pictures_both_ways),
            ("a picture the page or the server refuses is reported in the page", refused_pictures_are_reported),
            ("a message sent while the other page was closed arrives when it comes back", message_while_away),
            ("the pages reconnect by themselves after the gateway dies", reconnect_after_gateway_crash),
            ("a group made in the page carries messages both ways", group_chat),
            ("a second device of bob shows the earlier messages from the history", history_on_a_new_device),
            ("a search on another device of bob finds a message (case, accent, prefix) and opens its chat at it, 60 messages back",
             search_opens_the_chat_at_the_message),
            ("with WebSockets refused the page chats over the event stream and REST", events_when_websockets_are_refused),
        ]
        return [(description, lambda step=step: step(alice, bob)) for description, step in both]

    run_in_browsers(support.Tally("Checks/web_client"), ["alice", "bob"], "both log in through the page", steps)


if __name__ == "__main__":
    main()
