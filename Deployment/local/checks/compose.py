"""Checks Deployment/docker-compose.yml and Deployment/Dockerfile as far as a machine
without a Docker engine can: the file parses, every executable of Package.swift is
deployed (or named as not deployed), the services are the local stack's SERVICES on the
same HTTP ports, every service's command line passes the real binary's --check-config with
the environment compose would give it, every variable it uses is documented in .env.tmpl,
topic names and partition counts agree with the code, health checks probe the port each
service listens on, and nginx's rendering of the shared template is complete and valid."""

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import yaml

import support

DEPLOYMENT = support.ROOT / "Deployment"
COMPOSE_FILE = DEPLOYMENT / "docker-compose.yml"
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def env_template():
    """The variables of .env.tmpl with their values, as an operator's copy starts out."""
    values = {}
    for line in (support.ROOT / ".env.tmpl").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


def operator_env():
    """.env.tmpl with the blanks a real deployment must fill, filled."""
    values = env_template()
    values.update({
        "MONGO_ROOT_PASSWORD": "s3cret-checks", "FIREBASE_PROJECT_ID": "vartalap-checks",
        "S3_SECRET_KEY": "object-store-s3cret-checks"})
    return values


def interpolate(value, env):
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default} and ${VAR:?error}; $$ is a $."""
    if not isinstance(value, str):
        return value

    def replace(match):
        name, operator, argument = match.group(1), match.group(2), match.group(3)
        present = name in env
        empty = not env.get(name)
        if operator == ":-":
            return argument if empty else env[name]
        if operator == "-":
            return env[name] if present else argument
        if operator in (":?", "?") and (empty if operator == ":?" else not present):
            raise AssertionError(f"compose would refuse to start: {name}: {argument}")
        return env.get(name, "")

    return VARIABLE.sub(replace, value.replace("$$", "\0")).replace("\0", "$")


def load():
    return yaml.safe_load(COMPOSE_FILE.read_text())


def vartalap_services(compose):
    """Services running the project's image, with their interpolated commands."""
    image = compose["x-image"]["image"]
    return {name: service for name, service in compose["services"].items() if service.get("image") == image}


def code_topic_defaults():
    topics = {variable: name for _, variable, name in support.code_topics()}
    text = (support.ROOT / "Libs" / "ServiceKit" / "TopicOptions.swift").read_text()
    partitions = re.search(r'EnvironmentDefault\.int\("TOPIC_PARTITIONS", (\d+)\)', text).group(1)
    return topics, partitions


def parses():
    compose = load()
    assert compose["services"], "no services"
    assert "zookeeper" not in compose["services"], "Kafka runs in KRaft mode, without ZooKeeper"
    assert compose["services"]["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"


def every_executable_is_deployed():
    compose = load()
    programs = {service["command"][0] for service in vartalap_services(compose).values()}
    not_deployed = set(compose.get("x-not-deployed", []))
    products = set(support.executable_products())
    assert products - programs - not_deployed == set(), f"not in docker-compose.yml: {sorted(products - programs - not_deployed)}"
    assert programs - products == set(), f"not executables of Package.swift: {sorted(programs - products)}"
    assert not (programs & not_deployed), "deployed and listed as not deployed"


def services_match_the_stack():
    shown = {}
    for name, service in vartalap_services(load()).items():
        if name != "topics":  # the one-shot job that creates the topics, not a service
            port = flag(service, "http-port")
            shown[name] = int(port) if port else None
    problems = support.disagreements_with_the_stack(shown, "docker-compose.yml")
    assert not problems, "\n".join(problems)


def every_variable_is_documented():
    text = COMPOSE_FILE.read_text()
    used = {match.group(1) for match in VARIABLE.finditer(text)}
    bare = set(re.findall(r"(?<!\$)\$([A-Za-z_][A-Za-z0-9_]*)", text))
    assert not bare, f"use ${{VAR}} so the check sees it: {sorted(bare)}"
    missing = used - set(env_template())
    assert len(used) > 10, f"found only {sorted(used)}"
    assert not missing, f"variables missing from .env.tmpl: {sorted(missing)}"


def fake_service_account_key(folder):
    key = subprocess.run(
        ["openssl", "genrsa", "2048"], capture_output=True, text=True, check=True, timeout=60).stdout
    (folder / "fcm-service-account.json").write_text(json.dumps({
        "type": "service_account", "project_id": "vartalap-checks", "client_email": "push@vartalap-checks.example",
        "private_key_id": "checks", "private_key": key,
    }))


def host_paths(service, folder):
    """The service's bind mounts as host folders the check controls: container path -> host path."""
    mapping = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("."):
            host = folder / Path(source).name
            host.mkdir(exist_ok=True)
            if target.endswith("/vartalap"):
                fake_service_account_key(host)
            mapping[target] = str(host)
    return mapping


def check_config(name, service, env, folder):
    """Runs the service's own command line with --check-config and compose's environment."""
    environment = {key: interpolate(str(value), env) for key, value in (service.get("environment") or {}).items()}
    arguments = [interpolate(str(argument), env) for argument in service["command"]]
    for container_path, host_path in host_paths(service, folder).items():
        arguments = [argument.replace(container_path, host_path) for argument in arguments]
    binary = support.BIN / arguments[0]
    assert binary.exists(), f"{binary} is not built"
    process_env = {"PATH": os.environ["PATH"], **environment}
    completed = subprocess.run(
        [str(binary), *arguments[1:], "--check-config"], env=process_env, capture_output=True, text=True, timeout=60)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0 and "configuration ok" in output, f"{name}: {' '.join(arguments)}\n{output}"
    secret = env["MONGO_ROOT_PASSWORD"]
    assert secret not in output, f"{name} printed the database password"
    return output


def command_lines_pass_check_config():
    compose = load()
    env = operator_env()
    with tempfile.TemporaryDirectory(prefix="vartalap-compose-") as folder:
        for name, service in vartalap_services(compose).items():
            check_config(name, service, env, Path(folder))


def topics_agree_with_the_code():
    compose = load()
    topics, partitions = code_topic_defaults()
    template = env_template()
    for variable, name in topics.items():
        assert template.get(variable) == name, f".env.tmpl {variable}={template.get(variable)}, code says {name}"
    assert template["TOPIC_PARTITIONS"] == partitions, ".env.tmpl TOPIC_PARTITIONS differs from the code's default"
    job = compose["services"]["topics"]
    assert job["restart"] == "no", "the topics job runs once"
    assert f"--topic-partitions=${{TOPIC_PARTITIONS:-{partitions}}}" in job["command"], "partition default differs from the code"
    with tempfile.TemporaryDirectory(prefix="vartalap-compose-") as folder:
        output = check_config("topics", job, operator_env(), Path(folder))
    created = set(re.search(r'"topics" : "([^"]*)"', output).group(1).split(","))
    assert created == set(topics.values()), f"the job would create {sorted(created)}, the code uses {sorted(topics.values())}"
    # Every service uses the default names, so no flag or variable may rename a topic.
    for name, service in vartalap_services(compose).items():
        renamed = [a for a in service["command"] if re.match(r"--[a-z-]+-topic(=|$)", str(a))]
        renamed += [k for k in (service.get("environment") or {}) if k.endswith("_TOPIC")]
        assert not renamed, f"{name} renames a topic: {renamed}"
    for name, service in compose["services"].items():
        if service.get("image") == compose["x-image"]["image"] and name != "topics":
            assert service["depends_on"]["topics"]["condition"] == "service_completed_successfully", name


def flag(service, name):
    for argument in service["command"]:
        if str(argument).startswith(f"--{name}="):
            return str(argument).split("=", 1)[1]
    return None


def health_checks_probe_the_service_port():
    compose = load()
    for name, service in compose["services"].items():
        if name == "topics":
            continue
        assert service.get("restart") == "unless-stopped", f"{name} has no restart policy"
        test = " ".join(service.get("healthcheck", {}).get("test", []))
        assert test, f"{name} has no health check"
        if name in vartalap_services(compose):
            port = flag(service, "http-port")
            assert port and f"http://127.0.0.1:{port}/ready" in test, f"{name}: health check {test!r} misses port {port}"
            assert flag(service, "app-name") == name, f"{name}: --app-name must be the service name"


def nginx_rendering_is_complete_and_valid():
    compose = load()
    services = compose["services"]
    nginx = services["nginx"]
    mounts = dict(volume.split(":")[:2][::-1] for volume in nginx["volumes"])
    template = DEPLOYMENT / mounts["/etc/vartalap/nginx.conf.template"]
    assert template.resolve() == (DEPLOYMENT / "nginx" / "vartalap.conf.template").resolve(), "one template for both"
    assert (DEPLOYMENT / mounts["/usr/share/vartalap/web"] / "index.html").exists()
    script = nginx["command"][2].replace("/etc/vartalap/nginx.conf.template", str(template))
    script = script.split(" && exec ")[0].replace(" > /tmp/nginx.conf", "")
    rendered = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True, timeout=30).stdout
    leftovers = sorted(set(re.findall(r"@[A-Z_]+@", rendered)))
    assert not leftovers, f"placeholders the compose rendering does not fill: {leftovers}"
    # Every upstream names a compose service on a port that service listens on.
    listening = {}
    for name, service in vartalap_services(compose).items():
        listening[name] = {flag(service, "http-port"), flag(service, "public-port")} - {None}
    # Other images (the object store) say which ports they serve with `expose`.
    for name, service in services.items():
        if name not in listening and "expose" in service:
            listening[name] = {str(port) for port in service["expose"]}
    upstreams = re.findall(r"^\s*server ([a-z0-9-]+):(\d+);", rendered, re.MULTILINE)
    assert upstreams, "no upstreams"
    for host, port in upstreams:
        assert host in listening and port in listening[host], f"upstream {host}:{port} is no service port"
        assert host in nginx["depends_on"], f"nginx must start after {host}"
    # Syntax check with the real nginx: the container names become loopback addresses.
    with tempfile.TemporaryDirectory(prefix="vartalap-nginx-") as folder:
        local = re.sub(r"(server )[a-z0-9-]+(:\d+;)", r"\g<1>127.0.0.1\2", rendered)
        local = local.replace("/usr/share/vartalap/web", str(DEPLOYMENT / "web")).replace("/tmp", folder)
        conf = Path(folder) / "nginx.conf"
        conf.write_text(local)
        nginx_binary = shutil.which("nginx") or "/usr/sbin/nginx"
        status, output = support.run([nginx_binary, "-t", "-c", str(conf), "-p", folder, "-e", f"{folder}/error.log"])
        assert status == 0, output


def dockerfile_copies_every_source_folder():
    dockerfile = (DEPLOYMENT / "Dockerfile").read_text()
    package = (support.ROOT / "Package.swift").read_text()
    folders = {path.split("/")[0] for path in re.findall(r'path:\s*"([^"]+)"', package)}
    copied = set(re.findall(r"^COPY (\S+) ", dockerfile, re.MULTILINE))
    assert folders - copied == set(), f"the Dockerfile does not copy {sorted(folders - copied)}"
    for library in ["librdkafka1", "libmongoc-1.0-0", "libbson-1.0-0", "libssl3"]:
        assert library in dockerfile, f"the runtime image lacks {library}"


def main():
    tally = support.Tally("Checks/compose")
    tally.check("docker-compose.yml parses; Kafka runs in KRaft mode", parses)
    tally.check("every executable of Package.swift is deployed or named as not deployed", every_executable_is_deployed)
    tally.check("the services are the stack's SERVICES, on the same HTTP ports", services_match_the_stack)
    tally.check("every variable docker-compose.yml uses is in .env.tmpl", every_variable_is_documented)
    tally.check("every service's command line passes its binary's --check-config", command_lines_pass_check_config)
    tally.check("topic names and partition counts agree with the code", topics_agree_with_the_code)
    tally.check("restart policies and health checks on each service's own port", health_checks_probe_the_service_port)
    tally.check("nginx renders the shared template completely and validly", nginx_rendering_is_complete_and_valid)
    tally.check("the Dockerfile copies every source folder; runtime libraries present", dockerfile_copies_every_source_folder)
    tally.finish()


if __name__ == "__main__":
    main()
