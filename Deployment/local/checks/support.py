"""Shared by the checks in this folder: where things are, a tally of results, and REST
calls through the test stack's nginx."""

import json
import os
import re
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
BIN = ROOT / ".build" / "debug"


def code_topics():
    """The topics of Libs/Contracts/Topic.swift: [(TopicOptions property, env variable,
    default name)], dead letters included."""
    text = (ROOT / "Libs" / "Contracts" / "Topic.swift").read_text()
    cases = re.findall(r'^    case (\w+) = "([^"]+)"$', text, re.M)
    assert len(cases) >= 9, f"found only {cases} in Topic.swift"
    return [(f"{case}Topic", name.upper().replace("-", "_") + "_TOPIC", name) for case, name in cases]


def stack_services():
    """The one list of services, `SERVICES=(name:port ...)` in Deployment/local/stack, as
    {name: HTTP port} in start order. The docs and docker-compose.yml are checked against it."""
    text = (ROOT / "Deployment" / "local" / "stack").read_text()
    lists = re.findall(r"^SERVICES=\(([^)]*)\)$", text, re.M)
    assert len(lists) == 1, f"expected one SERVICES=(...) line in the stack script, found {len(lists)}"
    entries = [re.fullmatch(r"([a-z][a-z0-9-]*):(\d+)", entry) for entry in lists[0].split()]
    assert entries and all(entries), f"SERVICES entries are not all name:port: {lists[0]}"
    services = {entry.group(1): int(entry.group(2)) for entry in entries}
    assert len(services) == len(entries), f"a service is listed twice in SERVICES: {lists[0]}"
    return services


def disagreements_with_the_stack(shown, where):
    """What `shown` ({service: port, or None where no port is given}) gets wrong about
    stack_services(): services missing or extra, and ports that differ. [] when it agrees."""
    listed = stack_services()
    problems = [f"{where} lacks {name}" for name in listed if name not in shown]
    problems += [f"{where} has {name}, which is not in the stack's SERVICES" for name in shown if name not in listed]
    problems += [
        f"{where} gives {name} port {port}, the stack's SERVICES {listed[name]}"
        for name, port in shown.items() if name in listed and port is not None and port != listed[name]]
    return problems


def environment(name):
    value = os.environ.get(name)
    if not value:
        raise SystemExit(f"{name} is not set: run the checks through Deployment/local/stack test")
    return value


def public_url():
    """e.g. http://127.0.0.1:9080/v1.0"""
    return environment("VARTALAP_TEST_PUBLIC_URL").rstrip("/")


def site_url():
    """The web client's URL: the public URL's root."""
    return public_url().rsplit("/v1.0", 1)[0] + "/"


def unique_user(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class Tally:
    """Runs named checks, prints one line per check, and exits non-zero if any failed."""

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0

    def check(self, description, function, *args):
        """True when `function(*args)` returned without raising."""
        started = time.monotonic()
        try:
            function(*args)
        except Exception:  # a failing check is reported, the others still run
            self.failed += 1
            print(f"not ok - {self.name}: {description}")
            traceback.print_exc(file=sys.stdout)
            return False
        self.passed += 1
        print(f"ok - {self.name}: {description} ({time.monotonic() - started:.1f}s)")
        return True

    def finish(self):
        print(f"{self.name}: {self.passed} checks passed, {self.failed} did not")
        sys.exit(1 if self.failed or not self.passed else 0)


def request(method, path, body=None, user=None, key=None, timeout=15):
    """A call through nginx; returns (status, parsed JSON or raw text)."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"content-type": "application/json"}
    if user is not None:
        headers["user"] = user
        headers["accesskey"] = key
    req = urllib.request.Request(public_url() + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def wait_until(condition, what, timeout=30):
    """Polls `condition` until it holds; fails saying `what` did not happen in time."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.1)


def login(username):
    status, body = request("POST", "/login", {"username": username, "authToken": "dev-token", "deviceId": "checks"})
    assert status == 200 and isinstance(body, dict) and body.get("accesskey"), f"login of {username}: {status} {body}"
    return body["accesskey"]


def run(command, timeout=60):
    """Runs a program; returns (exit status, stdout and stderr together)."""
    completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    return completed.returncode, completed.stdout + completed.stderr


def executable_products():
    """Every executable product of Package.swift (read from its text: `swift package
    dump-package` would wait for the build lock)."""
    text = (ROOT / "Package.swift").read_text()
    names = re.findall(r'\.executable\(\s*name:\s*"([^"]+)"', text)
    assert names, "no executable products found in Package.swift"
    return sorted(names)
