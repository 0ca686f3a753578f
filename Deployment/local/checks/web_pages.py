"""Pages in the web client (Deployment/web; PROTOCOL.md "Pages"), in real headless Chromium:
an admin makes a page in the page and adds a moderator there, a user opens the page by its
id and writes, both agents see the thread waiting in their inbox, one answers, the user
sees the answer signed by that agent, the other agent sees it in the thread and the
inbox, a thread is assigned, and new devices read it all back from the history."""

import re
import uuid

from selenium.webdriver.common.by import By

import support
from web_client import Person, run_in_browsers

PAGE_ID = re.compile(r"~p[0-9a-f]{32}")


def title(person):
    return person.driver.find_element(By.ID, "conversation-title").text


def inbox_shown(person, page_id):
    """True while `person` looks at the inbox of `page_id`."""
    return person.driver.execute_script(
        "const panel = document.getElementById('page-panel'); return !panel.hidden && panel.dataset.page === arguments[0];",
        page_id)


def thread_row(person, user):
    """The row of `user`'s thread in the shown inbox, or None."""
    return person.driver.execute_script(
        """const panel = document.getElementById("page-panel");
        const row = [...document.querySelectorAll("#inbox li.thread")].find((li) => li.dataset.thread === arguments[0]);
        if (panel.hidden || !row) return null;
        return {
            unanswered: row.dataset.unanswered,
            marker: Boolean(row.querySelector(".unanswered")),
            assignee: row.dataset.assignee,
            assigneeText: row.querySelector(".thread-assignee").textContent,
            text: row.querySelector(".thread-text").textContent,
        };""",
        user)


def wait_row(person, user, what, condition):
    """Waits until the shown inbox has `user`'s thread and `condition(row)` holds; the row."""
    def holds():
        row = thread_row(person, user)
        return row if row is not None and condition(row) else None
    return person.wait(f"the inbox shows {user}'s thread {what}", holds)


def waiting(row):
    return row["unanswered"] == "true" and row["marker"]


def answered(row):
    return row["unanswered"] == "false" and not row["marker"]


def chat_entry(person, key):
    """The chat list's entry `key`: its text and badge, or None."""
    return person.driver.execute_script(
        """const item = [...document.querySelectorAll("#chat-list li")].find((li) => li.dataset.chat === arguments[0]);
        return item ? { text: item.textContent, badge: item.querySelector(".badge")?.textContent ?? null,
                        count: item.querySelector(".unread")?.textContent ?? null } : null;""",
        key)


def click(person, css, text=None):
    """Clicks the first element matching `css` (with `text` in it, if given); False while
    there is none. In one script: the lists are redrawn on every change."""
    return person.driver.execute_script(
        """const [css, text] = arguments;
        const node = [...document.querySelectorAll(css)].find((n) => text === null || n.textContent.includes(text));
        node?.click();
        return Boolean(node);""",
        css, text)


def open_by_id(person, page_id):
    field = person.driver.find_element(By.ID, "new-chat-input")
    field.send_keys(page_id)
    person.driver.find_element(By.ID, "new-chat-button").click()


def open_thread(agent, user):
    agent.wait(f"{user}'s thread opens", lambda: click(agent, f'#inbox li.thread[data-thread="{user}"]'))
    agent.wait(f"the thread with {user} is shown", lambda: agent.visible("thread-tools") and title(agent).startswith(f"{user} on "))


def sender_of(person, text, direction):
    return person.driver.execute_script(
        """const [text, direction] = arguments;
        const item = [...document.querySelectorAll(`#messages li.message[data-direction="${direction}"]`)]
            .find((li) => li.querySelector(".text").textContent === text);
        return item ? item.querySelector(".sender")?.textContent ?? "" : null;""",
        text, direction)


def back_to_inbox(agent, page_id):
    agent.driver.find_element(By.ID, "thread-back").click()
    agent.wait("the inbox is shown again", lambda: inbox_shown(agent, page_id))


class Scenario:
    """One page, its admin and moderator, and a user writing to it; each step uses what the
    steps before it did."""

    def __init__(self, admin, moderator, user):
        self.admin, self.moderator, self.user = admin, moderator, user
        self.name = f"Support {uuid.uuid4().hex[:6]}"
        self.page_id = None
        self.hello = "Hello, my order has not arrived"
        self.answer = "Sorry about that, it ships today"

    def admin_makes_the_page(self):
        admin = self.admin
        admin.driver.find_element(By.CSS_SELECTOR, "#new-page summary").click()
        admin.driver.find_element(By.ID, "new-page-name").send_keys(self.name)
        admin.driver.find_element(By.ID, "new-page-button").click()
        admin.wait("the new page's inbox is shown", lambda: title(admin) == f"Inbox of {self.name}")
        shown = admin.driver.find_element(By.ID, "page-id").text
        assert PAGE_ID.fullmatch(shown), f"the inbox shows the page's id, not {shown!r}"
        self.page_id = shown
        assert inbox_shown(admin, shown), "the page panel is the new page's"
        assert admin.visible("inbox-empty"), "a new page's inbox says no one wrote yet"
        entry = chat_entry(admin, f"inbox:{shown}")
        assert entry and entry["badge"] == "inbox" and self.name in entry["text"], f"the inbox is listed: {entry}"
        # The moderator, added in the page.
        admin.driver.find_element(By.ID, "add-agent-input").send_keys(self.moderator.name)
        admin.driver.find_element(By.ID, "add-agent-button").click()
        admin.wait("the moderator is listed among the agents",
                   lambda: self.moderator.name in admin.driver.find_element(By.ID, "page-agents").text)
        key = support.login(admin.name)
        status, page = support.request("GET", f"/pages/{shown}", None, admin.name, key)
        assert status == 200 and page.get("name") == self.name and page.get("admins") == [admin.name] \
            and page.get("moderators") == [self.moderator.name], f"GET /pages/{shown}: {status} {page}"

    def moderator_opens_the_inbox(self):
        moderator = self.moderator
        open_by_id(moderator, self.page_id)
        moderator.wait("the moderator sees the page's inbox", lambda: inbox_shown(moderator, self.page_id))
        assert title(moderator) == f"Inbox of {self.name}", title(moderator)
        assert not moderator.visible("add-agent-form"), "only admins get the form to add agents"
        assert not moderator.visible("composer"), "an inbox has no composer"

    def user_writes_to_the_page(self):
        user = self.user
        # An id no page has is refused in the page.
        open_by_id(user, "~p" + "0" * 32)
        user.wait("an unknown page is reported",
                  lambda: "no page" in user.driver.find_element(By.ID, "new-chat-error").text)
        open_by_id(user, self.page_id)
        user.wait("the chat with the page opens", lambda: title(user) == f"Page {self.name}" and user.visible("composer"))
        assert not user.visible("page-panel"), "a user who is not an agent gets no inbox"
        assert user.driver.find_element(By.ID, "new-chat-error").text == "", "the error went once a page opened"
        entry = chat_entry(user, f"page:{self.page_id}")
        assert entry and entry["badge"] == "page" and self.name in entry["text"], f"the page is listed as a chat: {entry}"
        self.hello_id = user.send(self.hello)
        user.wait_server_acked(self.hello_id)

    def both_agents_see_it_waiting(self):
        for agent in (self.admin, self.moderator):
            row = wait_row(agent, self.user.name, "marked unanswered", waiting)
            assert row["text"] == self.hello and row["assignee"] == "" and row["assigneeText"] == "unassigned", \
                f"{agent.name}: the thread shows the user's message, unassigned: {row}"
            agent.wait("the inbox's entry counts one thread waiting",
                       lambda a=agent: (chat_entry(a, f"inbox:{self.page_id}") or {}).get("count") == "1")

    def an_agent_answers(self):
        admin, moderator, user = self.admin, self.moderator, self.user
        # The moderator looks at the thread while the admin answers in it.
        open_thread(moderator, user.name)
        moderator.wait_received(self.hello)
        open_thread(admin, user.name)
        admin.wait_received(self.hello)
        answer_id = admin.send(self.answer)
        admin.wait_server_acked(answer_id)
        # The user: from the page, signed by the agent who answered.
        user.wait_received(self.answer)
        sender = sender_of(user, self.answer, "in")
        assert sender == admin.name, f"the answer shows the agent who wrote it, not {sender!r}"
        # Receipts travel through the page both ways.
        user.wait_state(self.hello_id, "delivered")
        admin.wait_state(answer_id, "delivered")
        # The other agent: in the open thread, on the page's side, with who answered.
        moderator.wait("the answer shows in the moderator's open thread", lambda: moderator.message_with(self.answer, "out"))
        sender = sender_of(moderator, self.answer, "out")
        assert sender == admin.name, f"the moderator sees which agent answered, not {sender!r}"
        assert moderator.state_of(moderator.message_with(self.answer, "out")) is None, \
            "another agent's answer has no delivery mark of the moderator's"
        # ...and in both inboxes the thread no longer waits.
        back_to_inbox(moderator, self.page_id)
        back_to_inbox(admin, self.page_id)
        for agent in (admin, moderator):
            row = wait_row(agent, user.name, "answered", answered)
            assert row["text"] == self.answer, f"{agent.name}: the thread's last message is the answer: {row}"
            agent.wait("no thread is counted as waiting",
                       lambda a=agent: (chat_entry(a, f"inbox:{self.page_id}") or {}).get("count") is None)

    def a_thread_is_assigned(self):
        admin, moderator, user = self.admin, self.moderator, self.user
        open_thread(moderator, user.name)
        assert moderator.driver.find_element(By.ID, "thread-assignee").text == "unassigned"
        moderator.driver.execute_script(
            "const select = document.getElementById('assign-select'); select.value = arguments[0];", moderator.name)
        moderator.driver.find_element(By.ID, "assign-button").click()
        moderator.wait("the thread shows its assignee",
                       lambda: moderator.driver.find_element(By.ID, "thread-assignee").get_attribute("data-assignee") == moderator.name)
        assert moderator.driver.find_element(By.ID, "thread-error").text == ""
        back_to_inbox(moderator, self.page_id)
        wait_row(moderator, user.name, f"assigned to {moderator.name}",
                 lambda row: row["assignee"] == moderator.name and row["assigneeText"] == f"assigned to {moderator.name}")
        # The admin's inbox, read again.
        admin.driver.find_element(By.ID, "inbox-refresh").click()
        wait_row(admin, user.name, f"assigned to {moderator.name}", lambda row: row["assignee"] == moderator.name)
        key = support.login(admin.name)
        status, body = support.request("GET", f"/pages/{self.page_id}/threads", None, admin.name, key)
        assert status == 200, f"GET threads: {status} {body}"
        [thread] = [t for t in body["threads"] if t["user"] == user.name]
        assert thread["assignee"] == moderator.name and thread["unanswered"] is False, f"the thread as served: {thread}"

    def the_user_writes_again(self):
        user = self.user
        again = user.send("Thanks! Which carrier?")
        user.wait_server_acked(again)
        for agent in (self.admin, self.moderator):
            row = wait_row(agent, user.name, "waiting again", lambda row: waiting(row) and row["text"] == "Thanks! Which carrier?")
            assert row["assignee"] == self.moderator.name, f"{agent.name}: the thread stays assigned: {row}"

    def hidden_agents_answer_unsigned(self):
        admin, moderator, user = self.admin, self.moderator, self.user
        key = support.login(admin.name)
        status, page = support.request("PUT", f"/pages/{self.page_id}", {"hideAgents": True}, admin.name, key)
        assert status == 200 and page.get("hideAgents") is True, f"PUT /pages/{self.page_id}: {status} {page}"
        open_thread(moderator, user.name)
        moderator.wait_received("Thanks! Which carrier?")
        moderator.send("The usual one")
        user.wait_received("The usual one")
        sender = sender_of(user, "The usual one", "in")
        assert sender == "", f"with hidden agents the answer names no agent, got {sender!r}"
        back_to_inbox(moderator, self.page_id)
        for agent in (admin, moderator):
            wait_row(agent, user.name, "answered by the moderator", lambda row: answered(row) and row["text"] == "The usual one")

    def new_devices_read_the_history(self):
        """Nothing saved on a new device: the user's chat comes from the conversations, the
        moderator's thread from the inbox's routes."""
        user_device = Person(self.user.name, exact=True)
        moderator_device = Person(self.moderator.name, exact=True)
        try:
            user_device.log_in()
            key = f"page:{self.page_id}"
            user_device.wait("the page is listed by its name",
                             lambda: self.name in ((chat_entry(user_device, key) or {}).get("text") or ""))
            user_device.select_chat(key)
            user_device.wait("the chat with the page is open", lambda: title(user_device) == f"Page {self.name}")
            user_device.wait("the user's first message is shown", lambda: user_device.message_with(self.hello, "out"))
            user_device.wait_received(self.answer)
            assert sender_of(user_device, self.answer, "in") == self.admin.name, "the answer from the history names its agent"
            user_device.wait("the user's second message is shown", lambda: user_device.message_with("Thanks! Which carrier?", "out"))

            moderator_device.log_in()
            open_by_id(moderator_device, self.page_id)
            moderator_device.wait("the inbox is shown", lambda: inbox_shown(moderator_device, self.page_id))
            wait_row(moderator_device, self.user.name, "waiting and assigned",
                     lambda row: waiting(row) and row["assignee"] == self.moderator.name)
            open_thread(moderator_device, self.user.name)
            moderator_device.wait_received(self.hello)
            moderator_device.wait("the admin's answer is on the page's side",
                                  lambda: sender_of(moderator_device, self.answer, "out") == self.admin.name)
            moderator_device.wait_received("Thanks! Which carrier?")
        except Exception:
            user_device.report()
            moderator_device.report()
            raise
        finally:
            user_device.quit()
            moderator_device.quit()


def main():
    def steps(admin, moderator, user):
        scenario = Scenario(admin, moderator, user)
        return [
            ("the admin makes a page in the page and adds the moderator there", scenario.admin_makes_the_page),
            ("the moderator opens the page by its id and gets its inbox", scenario.moderator_opens_the_inbox),
            ("the user opens the page by its id (an unknown id is refused) and writes to it", scenario.user_writes_to_the_page),
            ("both agents see the user's thread in their inbox, marked unanswered", scenario.both_agents_see_it_waiting),
            ("the admin answers; the user sees it from the page with the admin's name, the moderator in the thread and the inbox, no longer unanswered",
             scenario.an_agent_answers),
            ("the moderator assigns the thread to themselves; both inboxes show the assignee", scenario.a_thread_is_assigned),
            ("the user writes again and the thread waits again in both inboxes", scenario.the_user_writes_again),
            ("new devices of the user and the moderator read the page's chat and thread from the history",
             scenario.new_devices_read_the_history),
            ("with hideAgents the user gets an answer that names no agent", scenario.hidden_agents_answer_unsigned),
        ]

    run_in_browsers(support.Tally("Checks/web_pages"), ["admin", "moderator", "user"],
                    "an admin, a moderator and a user log in through the page", steps)


if __name__ == "__main__":
    main()
