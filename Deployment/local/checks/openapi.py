"""Checks Docs/openapi.yaml: it is a valid OpenAPI 3 document; every operation in it,
called through the test stack's nginx with its example, answers its documented success
status with a body its schema allows; every operation that needs credentials refuses a
call without them; and every route a service registers that nginx serves publicly is
in the file."""

import json
import re
import socket
import urllib.parse
import urllib.request

import yaml
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

import support

SPEC_FILE = support.ROOT / "Docs" / "openapi.yaml"
METHODS = ["get", "post", "put", "delete", "patch"]
NO_SUCH_ROUTE = {"status": False, "error": "no such route"}


def load():
    return yaml.safe_load(SPEC_FILE.read_text())


def resolve(node, spec):
    """The node with every local $ref replaced by what it points at."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return resolve(target, spec)
        return {key: resolve(value, spec) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(item, spec) for item in node]
    return node


def operations(spec):
    for path, item in spec["paths"].items():
        # Routes of a service the local stack does not run yet (`x-pending-deployment` names
        # it): documented and validated, but not called.
        if "x-pending-deployment" in item:
            continue
        for method in METHODS:
            if method in item:
                yield path, method, resolve(item[method], spec)


def is_valid_document():
    validate(load())


class People:
    """alice, bob and carol, logged in, a group alice made with bob in it, and a page alice
    made with bob as its moderator."""

    def __init__(self):
        self.names = {role: support.unique_user(role) for role in ("alice", "bob", "carol")}
        self.keys = {role: support.login(name) for role, name in self.names.items()}
        status, body = support.request(
            "POST", "/groups", {"name": "OpenAPI", "members": [self.names["bob"]]}, *self.credentials("alice"))
        assert status == 200, f"creating a group: {status} {body}"
        self.group = body["groupId"]
        status, body = support.request("POST", "/pages", {"name": "OpenAPI"}, *self.credentials("alice"))
        assert status == 201, f"creating a page: {status} {body}"
        self.page = body["id"]
        status, body = support.request(
            "POST", f"/pages/{self.page}/agents", {"usernames": [self.names["bob"]]}, *self.credentials("alice"))
        assert status == 200, f"adding bob to the page: {status} {body}"

    def open_thread(self):
        """carol writes to the page (REST send), so the page has her thread; returns once
        the page's inbox lists it (the history is written behind delivery)."""
        envelope = {"_v": 2.1, "id": support.unique_user("thread"),
                    "head": {"type": "PAGE", "to": self.page, "contentType": "TEXT"}, "body": {"text": "help"}}
        status, body = support.request("POST", "/send", [json.dumps(envelope)], *self.credentials("carol"))
        assert status == 201, f"carol writing to the page: {status} {body}"
        support.wait_until(
            lambda: any(t.get("user") == self.names["carol"]
                        for t in support.request("GET", f"/pages/{self.page}/threads", None, *self.credentials("alice"))[1].get("threads", [])),
            "carol's thread in the page's inbox")

    def credentials(self, role):
        return self.names[role], self.keys[role]

    def uploaded_file(self, role):
        """The id of a file `role` uploaded through a presigned URL and has not reported yet."""
        status, body = support.request("GET", "/assets/upload/presigned_url?ext=jpg&category=checks", None, *self.credentials(role))
        assert status == 200, f"an upload URL: {status} {body}"
        put = urllib.request.Request(body["url"], data=b"\xff\xd8\xff", method="PUT", headers={"content-type": "image/jpeg"})
        with urllib.request.urlopen(put, timeout=15) as response:
            assert response.status == 200, f"uploading to {body['url']}: {response.status}"
        return body["fileId"]

    def personalise(self, example):
        """The example with alice, bob and carol replaced by this run's users."""
        text = json.dumps(example)
        for role, name in self.names.items():
            text = re.sub(rf"\b{role}\b", name, text)
        return json.loads(text)


def query_string(operation):
    """`?name=example&...` for the operation's required query parameters."""
    required = [p for p in operation.get("parameters", []) if p["in"] == "query" and p.get("required")]
    return "?" + urllib.parse.urlencode({p["name"]: p["example"] for p in required}) if required else ""


UNKNOWN_FILE = "0" * 32


def success_status(operation):
    return next(code for code in operation["responses"] if code.startswith("2") or code == "101")


def upgrade(path, user, key):
    """A WebSocket upgrade request on a plain socket; returns the status code."""
    url = urllib.parse.urlsplit(support.public_url())
    with socket.create_connection((url.hostname, url.port), timeout=10) as connection:
        connection.sendall(
            (f"GET {url.path}{path}?format=text&ack=true HTTP/1.1\r\nHost: {url.netloc}\r\n"
             "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             f"user: {user}\r\naccesskey: {key}\r\n\r\n").encode())
        status_line = connection.makefile("rb").readline().decode()
    return int(status_line.split()[1])


def stream_status(path, user, key):
    """The status of a request whose answer is a stream that stays open (text/event-stream):
    only the response head is read."""
    url = urllib.parse.urlsplit(support.public_url())
    with socket.create_connection((url.hostname, url.port), timeout=10) as connection:
        connection.sendall(
            (f"GET {url.path}{path} HTTP/1.1\r\nHost: {url.netloc}\r\nAccept: text/event-stream\r\n"
             f"user: {user}\r\naccesskey: {key}\r\n\r\n").encode())
        status_line = connection.makefile("rb").readline().decode()
    return int(status_line.split()[1])


def is_stream(operation, status):
    return "text/event-stream" in operation["responses"][status].get("content", {})


def every_operation_answers_as_documented():
    spec = load()
    failures = []
    count = 0
    for path, method, operation in operations(spec):
        count += 1
        people = People()  # fresh users and group: some operations change them
        user, key = people.credentials("alice")
        concrete = path.replace("{id}", people.page if path.startswith("/pages/") else people.group)
        concrete = concrete.replace("{username}", people.names["bob"])
        if "{user}" in path:
            people.open_thread()
            concrete = concrete.replace("{user}", people.names["carol"])
        if "{fileId}" in path:
            concrete = concrete.replace("{fileId}", people.uploaded_file("alice"))
        concrete += query_string(operation)
        expected = success_status(operation)
        if expected == "101" or is_stream(operation, expected):
            status = upgrade(concrete, user, key) if expected == "101" else stream_status(concrete, user, key)
            if str(status) != expected:
                failures.append(f"{method.upper()} {path}: {status}, documented {expected}")
            continue
        body = None
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if content:
            body = people.personalise(content["example"])
        if method == "post" and path == "/login":
            user = key = None
        status, answer = support.request(method.upper(), concrete, body, user, key)
        if str(status) != expected:
            failures.append(f"{method.upper()} {path}: {status} {answer}, documented {expected}")
            continue
        schema = operation["responses"][expected].get("content", {}).get("application/json", {}).get("schema")
        if schema is not None:
            errors = [error.message for error in OAS30Validator(schema).iter_errors(answer)]
            if errors:
                failures.append(f"{method.upper()} {path}: body {answer} does not fit its schema: {errors[:3]}")
    assert count >= 20, f"only {count} operations"
    assert not failures, "\n".join(failures)


def credentials_are_required_where_documented():
    """Without credentials, an operation with security answers 401 and one without does not."""
    spec = load()
    failures = []
    people = People()
    for path, method, operation in operations(spec):
        security = operation.get("security", spec.get("security"))
        concrete = (path.replace("{id}", "some-group").replace("{fileId}", UNKNOWN_FILE).replace("{user}", "someone")
                    + query_string(operation))
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        body = people.personalise(content["example"]) if content and not security else None
        status, answer = support.request(method.upper(), concrete, body)
        if (status == 401) != bool(security):
            failures.append(f"{method.upper()} {path} without credentials: {status} {answer}")
    assert not failures, "\n".join(failures)


def service_routes():
    """(method, path) of every route the services register, read from their sources:
    `.get("/x")`, `for path in ["/x", "/y"] { ….post(…path…) }` and `static let path = "/x"`
    used as `.post(RouterPath(Self.path))`."""
    routes = set()
    for file in (support.ROOT / "Services").rglob("*.swift"):
        text = file.read_text()
        for method, path in re.findall(r'\.(get|post|put|delete|patch|ws)\(\s*"(/[^"]*)"', text):
            routes.add((method, path))
        loops = re.findall(r'for path(?:: RouterPath)? in \[([^\]]*)\]\s*\{\s*[\w.]+\.(get|post|put|delete|patch)\(', text)
        for paths, method in loops:
            routes.update((method, path) for path in re.findall(r'"(/[^"]*)"', paths))
        constant = re.search(r'static let path = "(/[^"]*)"', text)
        if constant:
            for method in re.findall(r'\.(get|post|put|delete|patch)\(RouterPath\(Self\.path\)\)', text):
                routes.add((method, constant.group(1)))
    normalised = {("get" if method == "ws" else method, re.sub(r":(\w+)", r"{\1}", path)) for method, path in routes}
    assert len(normalised) >= 20, f"found only {sorted(normalised)}: has the route syntax changed?"
    return normalised


def every_public_route_is_documented():
    spec = load()
    documented = {(method, path) for path, item in spec["paths"].items() for method in METHODS if method in item}
    public = []
    for method, path in sorted(service_routes()):
        status, answer = support.request(method.upper(), path.replace("{id}", "some-group").replace("{fileId}", UNKNOWN_FILE), None)
        if not (status == 404 and answer == NO_SUCH_ROUTE):
            public.append((method, path))
    missing = [f"{method.upper()} {path}" for method, path in public if (method, path) not in documented]
    assert len(public) >= 20, f"only {public} answered through nginx"
    assert not missing, f"served through nginx but not in Docs/openapi.yaml: {missing}"


def unknown_routes_stay_unknown():
    for path in ["/auth", "/metrics", "/alive", "/ready", "/internal/group-actions", "/no-such-route"]:
        status, answer = support.request("GET", path)
        assert status == 404 and answer == NO_SUCH_ROUTE, f"{path}: {status} {answer}"


def main():
    tally = support.Tally("Checks/openapi")
    tally.check("Docs/openapi.yaml is a valid OpenAPI 3 document", is_valid_document)
    tally.check("every operation answers its documented status and schema", every_operation_answers_as_documented)
    tally.check("without credentials, exactly the operations with security answer 401", credentials_are_required_where_documented)
    tally.check("every route nginx serves publicly is documented", every_public_route_is_documented)
    tally.check("internal and unknown routes answer nginx's 'no such route'", unknown_routes_stay_unknown)
    tally.finish()


if __name__ == "__main__":
    main()
